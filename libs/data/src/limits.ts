/**
 * Limits on what one batch may ask for, shared by the run config (in-process runs) and the
 * boundary-extractor's stream requests, so a config that validates locally also runs remotely.
 * Batch size: one streamed batch of 32×32×3 float images stays ~100 MB. Pad: crops larger than
 * 16 px of zero border would show the network mostly border on 28×28 images.
 */
export const MAX_BATCH_SIZE = 8192;
export const MAX_PAD = 16;
/**
 * Default cap on images in one teacher-inference request (ABD_TEACHER_MAX_IMAGES_PER_REQUEST):
 * larger requests are RESOURCE_EXHAUSTED naming it; the soak run's memory phase sends this many.
 */
export const DEFAULT_MAX_IMAGES_PER_REQUEST = 1024;
