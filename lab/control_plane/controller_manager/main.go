// Command kube-controller-manager runs the controllers of k8s.io/kubernetes (the same module and version as the
// lab's kube-apiserver) unchanged, as upstream's cmd/kube-controller-manager does. For the local lab only: the lab
// starts it with the Deployment, ReplicaSet, Endpoints and EndpointSlice controllers (lab/kube_cluster.py).
package main

import (
	"os"
	_ "time/tzdata" // for timeZone support in CronJob (as upstream cmd/kube-controller-manager)

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format registration
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go prometheus plugins
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric registration
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	os.Exit(cli.Run(app.NewControllerManagerCommand()))
}
