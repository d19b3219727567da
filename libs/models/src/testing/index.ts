// `@abd/models/testing`: helpers for the export tests of other projects.
export { randomizeBn, maxAbsDiff, toNchw, serveDirs } from './export-fixtures';
export { saveLayersModel } from './save-layers-model';
export { saveTinyTfjsTeacher } from './tiny-tfjs-teacher';
