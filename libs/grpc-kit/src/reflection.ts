import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Server } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { ENV } from './ports';

/** protos/ of this checkout (or $ABD_PROTO_DIR in an image that puts them elsewhere). */
export function defaultProtoDir(): string {
  return process.env[ENV.PROTO_DIR] ?? resolve(__dirname, '../../../protos');
}

/** Every .proto under `dir`, relative to it, sorted. */
export function listProtoFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.proto')) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

export interface ReflectionOptions {
  /** Root of the proto tree (import paths are relative to it). */
  protoDir?: string;
  /** Files to describe, relative to protoDir; default: all of them. */
  files?: string[];
}

/**
 * Adds grpc.reflection.v1 and v1alpha (what grpcurl and `abd call` use) describing the protos.
 * The descriptors come from the .proto sources via proto-loader, so comments aside they are
 * the same contract the generated code was made from.
 */
export function addReflection(server: Server, options: ReflectionOptions = {}): string[] {
  const dir = options.protoDir ?? defaultProtoDir();
  if (!existsSync(dir))
    throw new Error(`reflection: proto directory ${dir} not found (set ABD_PROTO_DIR)`);
  const files = options.files ?? listProtoFiles(dir);
  const pkg = loadSync(files, {
    includeDirs: [dir],
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
  });
  new ReflectionService(pkg).addToServer(server);
  return files;
}
