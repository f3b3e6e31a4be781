/** Pgtask objects in the shape 4.2.4's API built them, and their creation with domain errors. */
import { KubeApiError } from '../kube/writer.js';
import type { ServiceContext } from './context.js';
import { fromKubeError } from './context.js';
import { customResource, emptyStorage, PGTASK } from './custom-resources.js';
import type { Pgtask, PgStorageSpec } from './custom-resources.js';
import { deleteExisting } from './write-batch.js';

export interface TaskShape {
  namespace: string;
  name: string;
  tasktype: string;
  labels: Record<string, string>;
  parameters: Record<string, string>;
  status?: string;
  storagespec?: PgStorageSpec;
}

export function taskObject(shape: TaskShape): Pgtask {
  return customResource(PGTASK, shape.namespace, shape.name, shape.labels, {
    namespace: shape.namespace,
    name: shape.name,
    storagespec: shape.storagespec ?? emptyStorage(),
    tasktype: shape.tasktype,
    status: shape.status ?? '',
    parameters: shape.parameters,
  });
}

/** Creates a task, first deleting one of the same name: 4.2.4 re-ran an operation that way. */
export async function replaceTask(ctx: ServiceContext, shape: TaskShape): Promise<Pgtask> {
  await deleteExisting(ctx, PGTASK, shape.namespace, shape.name);
  try {
    return await ctx.writer.create(PGTASK, taskObject(shape));
  } catch (error) {
    throw error instanceof KubeApiError ? fromKubeError(error, `task ${shape.name}`) : error;
  }
}
