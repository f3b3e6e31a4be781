/** The seed's core routes: version and health, the cluster lifecycle, and workflows. */
import { PGO_VERSION } from '../protocol.js';
import { okStatus } from './route.js';
import type { PgoStatus, RestRoute } from './route.js';

/** apiservermsgs.VersionResponse: `Version` then the embedded Status. */
const versionResponse = (version: string, status: PgoStatus) => ({ Version: version, ...status });

/** apiservermsgs.ShowWorkflowResponse: a zero ShowWorkflowDetail has a null Parameters map. */
const workflowResponse = (clusterName: string, parameters: Record<string, string> | null, status: PgoStatus) => ({ Results: { ClusterName: clusterName, Parameters: parameters }, ...status });

export const coreRoutes: RestRoute[] = [
  {
    method: 'ANY',
    path: '/version',
    permission: 'Version',
    failure: (status) => versionResponse('', status),
    handle: () => versionResponse(PGO_VERSION, okStatus('apiserver version')),
  },
  {
    method: 'ANY',
    path: '/health',
    permission: null,
    failure: (status) => versionResponse('', status),
    handle: () => versionResponse('healthy', okStatus('healthy')),
  },
  {
    method: 'GET',
    path: '/workflow/{id}',
    permission: 'ShowWorkflow',
    failure: (status) => workflowResponse('', null, status),
    handle: (req) => {
      req.requireVersion(req.query.get('version') ?? '');
      const namespace = req.namespace(req.query.get('namespace') ?? '');
      const workflow = req.services.workflows.get(req.caller, namespace, req.params.id);
      return workflowResponse(workflow.clusterName, workflow.parameters, okStatus());
    },
  },
];
