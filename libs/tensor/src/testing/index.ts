// `@abd/tensor/testing`: numeric helpers for the tests of other projects.
export { centralDifference } from './central-difference';
