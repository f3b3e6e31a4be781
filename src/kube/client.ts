/**
 * Builds the one KubeConfig the process uses. The three modes differ only in where the
 * configuration comes from; everything downstream (typed APIs, watches, raw requests) is the same
 * code whether the API server is the embedded one or a real cluster.
 */
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

/** The API server URL of the current context, for the start-up log line. */
export function kubeEndpoint(kc: KubeConfig): string {
  return kc.getCurrentCluster()?.server ?? '(no cluster)';
}
