/** The connection types, declared once. */
import { Cluster } from '../schema/cluster.js';
import { Connection } from '../schema/connection.js';
import { Policy } from '../schema/policy.js';
import { Replica } from '../schema/replica.js';
import { Task } from '../schema/task.js';

export const ClusterConnection = Connection(Cluster, 'Cluster');
export const ReplicaConnection = Connection(Replica, 'Replica');
export const TaskConnection = Connection(Task, 'Task');
export const PolicyConnection = Connection(Policy, 'Policy');
