import { serverStream, unary, type Logger, type ServiceRegistration } from '@abd/grpc-kit';
import { studentTrainer } from '@abd/proto';
import { JobManager } from './job-manager';

/** StartJob / WatchJob / CancelJob / GetJob / ListJobs over a JobManager. */
export function studentTrainerService(jobs: JobManager, log?: Logger): ServiceRegistration {
  const opts = { log };
  const implementation: studentTrainer.StudentTrainerServer = {
    startJob: unary((req: studentTrainer.StartJobRequest) => jobs.start(req), opts),
    watchJob: serverStream(
      (req: studentTrainer.WatchJobRequest, ctx) => jobs.watch(req.jobId, req.afterSeq, ctx.signal),
      opts,
    ),
    cancelJob: unary((req: studentTrainer.CancelJobRequest) => jobs.cancel(req.jobId), opts),
    getJob: unary((req: studentTrainer.GetJobRequest) => jobs.get(req.jobId), opts),
    listJobs: unary((req: studentTrainer.ListJobsRequest) => {
      const all = jobs.list(req.state);
      const start = req.pageToken ? Number(req.pageToken) || 0 : 0;
      const limit = req.limit || 100;
      const page = all.slice(start, start + limit);
      return { jobs: page, nextPageToken: start + limit < all.length ? String(start + limit) : '' };
    }, opts),
  };
  return { definition: studentTrainer.StudentTrainerService, implementation };
}
