import { ModelConfigError } from './wrn-config';

/** A CIFAR ResNet of basic blocks (He et al. 2016, §4.2; the family of RepDistiller's tables). */
export interface ResNetConfig {
  /** 6n + 2: 8, 14, 20, 32, 44, 56, 110. */
  depth: number;
  /** Channels of the stem and of the three stages: [16, 16, 32, 64], or [32, 64, 128, 256] for the ×4 nets. */
  widths: [number, number, number, number];
  inChannels: number;
  numClasses: number;
}

export const RESNET_NAMES = [
  'resnet8',
  'resnet14',
  'resnet20',
  'resnet32',
  'resnet44',
  'resnet56',
  'resnet110',
  'resnet8x4',
  'resnet32x4',
] as const;

/** `resnet20` (or `resnet-20`) → depth 20, widths [16, 16, 32, 64]; `resnet8x4` → depth 8, widths [32, 64, 128, 256]. */
export function parseResNetName(name: string): {
  depth: number;
  widths: [number, number, number, number];
} {
  const m = /^resnet-?(\d+)(x4)?$/i.exec(name.trim());
  if (!m || (Number(m[1]) - 2) % 6 !== 0 || Number(m[1]) < 8) {
    throw new ModelConfigError(
      `not a CIFAR ResNet name: '${name}' (expected one of ${RESNET_NAMES.join(', ')}, or resnet<6n+2>[x4]; a hyphen as in resnet-20 is allowed)`,
    );
  }
  return { depth: Number(m[1]), widths: m[2] ? [32, 64, 128, 256] : [16, 16, 32, 64] };
}

export function resnetName(cfg: Pick<ResNetConfig, 'depth' | 'widths'>): string {
  return `resnet${cfg.depth}${cfg.widths[0] === 32 ? 'x4' : ''}`;
}

export function validateResNetConfig(cfg: ResNetConfig): ResNetConfig {
  const int = (v: number) => Number.isInteger(v) && v > 0;
  if (!int(cfg.depth) || (cfg.depth - 2) % 6 !== 0 || cfg.depth < 8)
    throw new ModelConfigError(
      `ResNet depth must be 6n+2 with n ≥ 1 (8, 14, 20, …); got ${cfg.depth}`,
    );
  if (!Array.isArray(cfg.widths) || cfg.widths.length !== 4 || !cfg.widths.every(int))
    throw new ModelConfigError(
      `ResNet widths must be 4 positive integers; got ${JSON.stringify(cfg.widths)}`,
    );
  if (!int(cfg.inChannels))
    throw new ModelConfigError(`input channels must be a positive integer; got ${cfg.inChannels}`);
  if (!int(cfg.numClasses) || cfg.numClasses < 2)
    throw new ModelConfigError(`number of classes must be an integer ≥ 2; got ${cfg.numClasses}`);
  return cfg;
}
