import type { TeacherModel } from './teacher-model';

/** Images that went through a teacher's forward pass (its `forward`, or `run` for a foreign one). */
export interface TeacherPassCount {
  images: number;
}

const counted = new WeakSet<object>();

/**
 * Counts every image the teacher's forward pass sees into `into.images`, on this instance only
 * (the class and other models are untouched): batch sources, feature maps, joint terms and
 * evaluation all go through it, so the count is every teacher pass of a run.
 */
export function countTeacherPasses(teacher: TeacherModel, into: TeacherPassCount): void {
  if (counted.has(teacher)) throw new Error('this teacher is counted already');
  counted.add(teacher);
  if ('forward' in teacher) {
    const forward = teacher.forward.bind(teacher);
    teacher.forward = (x, opts) => {
      into.images += x.shape[0];
      return forward(x, opts);
    };
  } else {
    const run = teacher.run.bind(teacher);
    teacher.run = (images, shape) => {
      into.images += shape[0];
      return run(images, shape);
    };
  }
}
