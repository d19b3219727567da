/** A labelled image dataset split held in memory as uint8 NHWC bytes. */
export interface ImageSet {
  name: string;
  split: 'train' | 'test';
  /** n×height×width×channels uint8, NHWC. */
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
  height: number;
  width: number;
  channels: number;
  classes: number;
  classNames: string[];
  /** Where it was read from: `<how>:<directory>`, e.g. `debian:/usr/share/datasets/fashion-mnist`. */
  source: string;
}
