// Test helper: a real `<root>/<split>/<class>/*` image folder written with sharp.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

export const IMAGE_FOLDER_CLASSES = ['ant', 'bee', 'cat', 'dog', 'eel'];

/** A PNG with a per-pixel pattern (exact after decoding). */
function pngPixels(seed: number, H: number, W: number): Uint8Array {
  return Uint8Array.from({ length: H * W * 3 }, (_, k) => (seed * 37 + k * 11) & 0xff);
}

/** Writes `<root>/<split>/<class>/*`: PNG patterns and flat-colour JPEGs (flat colours survive JPEG at q=100). */
export async function writeImageFolder(
  root: string,
  perClass: number,
  H: number,
  W: number,
): Promise<Map<string, Uint8Array>> {
  const written = new Map<string, Uint8Array>();
  for (const split of ['train', 'test']) {
    for (let c = 0; c < IMAGE_FOLDER_CLASSES.length; c++) {
      const dir = join(root, split, IMAGE_FOLDER_CLASSES[c]);
      mkdirSync(dir, { recursive: true });
      for (let i = 0; i < perClass; i++) {
        const seed = c * 10 + i + (split === 'test' ? 100 : 0);
        if (i % 2 === 0) {
          const px = pngPixels(seed, H, W);
          const path = join(dir, `img-${i}.png`);
          await sharp(Buffer.from(px), { raw: { width: W, height: H, channels: 3 } })
            .png()
            .toFile(path);
          written.set(path, px);
        } else {
          const colour = [(seed * 40) & 0xf0, 128, (255 - seed * 8) & 0xf0];
          const px = Uint8Array.from({ length: H * W * 3 }, (_, k) => colour[k % 3]);
          const path = join(dir, `img-${i}.jpg`);
          await sharp(Buffer.from(px), { raw: { width: W, height: H, channels: 3 } })
            .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
            .toFile(path);
          written.set(path, px);
        }
      }
    }
  }
  return written;
}
