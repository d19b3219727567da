// `@abd/data/testing`: dataset files for the tests of other projects.
export { IMAGE_FOLDER_CLASSES, writeImageFolder } from '../image-folder-fixture';
