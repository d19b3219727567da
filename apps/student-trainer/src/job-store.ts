import { ArtifactStore, NotFoundError as StoreNotFound } from '@abd/artifacts';
import { studentTrainer } from '@abd/proto';
import { sanitizeLoadedJob } from './admission';

/**
 * A job's state at jobs/<id>/job.json, written in the order the states happened: each save
 * snapshots the job when called and waits for the job's previous save, so an older state can
 * never land over a newer one. The store's put is atomic (the local store writes a temp file
 * and renames it; an S3 PUT replaces the object whole), so a reader sees one state or the next.
 */
export class JobStore {
  private readonly pending = new Map<string, Promise<void>>();

  constructor(private readonly store: ArtifactStore) {}

  /** Resolves once this state (and every earlier one of the job) is in the store. */
  save(job: studentTrainer.Job): Promise<void> {
    const snapshot = studentTrainer.Job.toJSON(job);
    const key = `jobs/${job.id}/job.json`;
    const prev = this.pending.get(job.id) ?? Promise.resolve();
    const next = prev.then(() => this.store.putJson(key, snapshot));
    // A failed save does not stop later ones; the caller sees its own failure.
    const tail = next.catch(() => undefined);
    this.pending.set(job.id, tail);
    void tail.then(() => {
      if (this.pending.get(job.id) === tail) this.pending.delete(job.id);
    });
    return next;
  }

  /** Every saved job (sanitized, see sanitizeLoadedJob). */
  async all(): Promise<studentTrainer.Job[]> {
    const out: studentTrainer.Job[] = [];
    for (const obj of await this.store.list('jobs/')) {
      if (obj.key.endsWith('/job.json'))
        out.push(sanitizeLoadedJob(studentTrainer.Job.fromJSON(await this.store.getJson(obj.key))));
    }
    return out;
  }

  async load(id: string): Promise<studentTrainer.Job | undefined> {
    try {
      return sanitizeLoadedJob(
        studentTrainer.Job.fromJSON(await this.store.getJson(`jobs/${id}/job.json`)),
      );
    } catch (e) {
      if (e instanceof StoreNotFound) return undefined;
      throw e;
    }
  }
}
