export class ModelConfigError extends Error {
  override name = 'ModelConfigError';
}

/** A pre-activation Wide ResNet WRN-depth-widen: docs/design.md §2 (Network). */
export interface WrnConfig {
  depth: number;
  widen: number;
  inChannels: number;
  numClasses: number;
}

export type InitScheme = 'paper' | 'torch';

/** Channel widths after the stem and each group: [16, 16k, 32k, 64k]. */
export function wrnWidths(cfg: WrnConfig): number[] {
  return [16, 16 * cfg.widen, 32 * cfg.widen, 64 * cfg.widen];
}

/** Basic blocks per group: (d − 4) / 6. */
export function wrnBlocksPerGroup(cfg: WrnConfig): number {
  return (cfg.depth - 4) / 6;
}

/**
 * Largest depth and widen we build: far beyond the paper's WRN-40-10, and small enough that
 * the widths (64·widen channels) and layer counts stay valid array sizes.
 */
export const WRN_LIMITS = { depth: 1000, widen: 64 } as const;

export function validateWrnConfig(cfg: WrnConfig): WrnConfig {
  const int = (v: number) => Number.isInteger(v) && v > 0;
  if (
    !int(cfg.depth) ||
    (cfg.depth - 4) % 6 !== 0 ||
    cfg.depth < 10 ||
    cfg.depth > WRN_LIMITS.depth
  ) {
    throw new ModelConfigError(
      `WRN depth must be 6n+4 with n ≥ 1 (10, 16, 22, 28, …) and ≤ ${WRN_LIMITS.depth}; got ${cfg.depth}`,
    );
  }
  if (!int(cfg.widen) || cfg.widen > WRN_LIMITS.widen)
    throw new ModelConfigError(
      `WRN widen factor must be an integer in 1..${WRN_LIMITS.widen}; got ${cfg.widen}`,
    );
  if (cfg.inChannels !== 1 && cfg.inChannels !== 3) {
    throw new ModelConfigError(`input channels must be 1 or 3; got ${cfg.inChannels}`);
  }
  if (!int(cfg.numClasses) || cfg.numClasses < 2) {
    throw new ModelConfigError(`number of classes must be an integer ≥ 2; got ${cfg.numClasses}`);
  }
  return cfg;
}

/** `wrn-16-2` / `WRN-16-2` / `16-2` → depth and widen. */
export function parseWrnName(name: string): { depth: number; widen: number } {
  const m = /^(?:wrn-?)?(\d+)-(\d+)$/i.exec(name.trim());
  if (!m) throw new ModelConfigError(`not a WRN name: '${name}' (expected e.g. wrn-16-2)`);
  return { depth: Number(m[1]), widen: Number(m[2]) };
}

export function wrnName(cfg: { depth: number; widen: number }): string {
  return `wrn-${cfg.depth}-${cfg.widen}`;
}
