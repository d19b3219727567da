export { teacherInferenceService, type TeacherInferenceOptions } from './teacher-inference.service';
export { TeacherModels, modelKey, type LoadedTeacher } from './teacher-models';
export { infer, checkInfer, floatTensor, floatsOf } from './infer';
