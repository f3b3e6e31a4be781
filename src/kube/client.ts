/**
 * Builds the one KubeConfig the process uses. The three modes differ only in where the
 * configuration comes from; everything downstream (typed APIs, watches, raw requests) is the same
 * code whether the API server is the embedded one or a real cluster.
 */
import { accessSync, constants } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

export type KubeMode = 'embedded' | 'kubeconfig' | 'in-cluster';

export const KUBE_MODES: readonly KubeMode[] = ['embedded', 'kubeconfig', 'in-cluster'];

export function createKubeConfig(mode: KubeMode, kubeconfigPath?: string): KubeConfig {
  const kc = new KubeConfig();
  switch (mode) {
    case 'embedded':
      // The embedded server writes its kubeconfig on every start (its port may change), so the
      // path is always given by whoever started it.
      if (!kubeconfigPath) throw new Error('embedded mode needs the kubeconfig path the embedded API server wrote');
      kc.loadFromFile(kubeconfigPath);
      break;
    case 'kubeconfig': {
      const path = kubeconfigPath ?? process.env.KUBECONFIG;
      if (!path) throw new Error('kubeconfig mode needs a kubeconfig path (--kubeconfig or KUBECONFIG)');
      kc.loadFromFile(path);
      break;
    }
    case 'in-cluster':
      kc.loadFromCluster();
      break;
    default: {
      const unknownMode: never = mode;
      throw new Error(`unknown Kubernetes mode ${String(unknownMode)}`);
    }
  }
  if (!kc.getCurrentCluster()) throw new Error(`the ${mode} Kubernetes configuration names no current cluster`);
  return kc;
}

const SERVER_PROTOCOLS = ['https:', 'http:'];

function unreadable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return false;
  } catch {
    return true;
  }
}

/**
 * Why a kubeconfig file cannot lead to an API server, or undefined: checked at start so a typo
 * stops the process with its reason instead of surfacing as a watch error later.
 */
export function kubeconfigProblem(path: string): string | undefined {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (error) {
    // YAML errors quote the offending lines after the first; the first line names the problem.
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return `is not a kubeconfig: ${reason}`;
  }
  const contextName = kc.getCurrentContext();
  if (!contextName) return 'names no current-context';
  const context = kc.getContextObject(contextName);
  if (!context) return `names current-context '${contextName}', which it does not define`;
  const cluster = kc.getCluster(context.cluster);
  if (!cluster) return `context '${contextName}' names cluster '${context.cluster}', which it does not define`;
  let server: URL | undefined;
  try {
    server = new URL(cluster.server);
  } catch {
    server = undefined;
  }
  if (!server || !SERVER_PROTOCOLS.includes(server.protocol)) return `cluster '${cluster.name}' has server '${cluster.server}', which is not an https:// URL`;
  if (cluster.caFile && unreadable(cluster.caFile)) return `cluster '${cluster.name}' certificate-authority '${cluster.caFile}' cannot be read`;
  const user = context.user ? kc.getUser(context.user) : null;
  if (context.user && !user) return `context '${contextName}' names user '${context.user}', which it does not define`;
  for (const [field, file] of [['client-certificate', user?.certFile], ['client-key', user?.keyFile]] as const) {
    if (file && unreadable(file)) return `user '${context.user}' ${field} '${file}' cannot be read`;
  }
  return undefined;
}

/** The API server URL of the current context, for the start-up log line. */
export function kubeEndpoint(kc: KubeConfig): string {
  return kc.getCurrentCluster()?.server ?? '(no cluster)';
}
