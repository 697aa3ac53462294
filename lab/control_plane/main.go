// Command kube-apiserver-etcd runs kube-apiserver (k8s.io/kubernetes v1.37.2)
// on top of an etcd server embedded in the same process. For the local lab only.
//
// Usage:
//
//	kube-apiserver-etcd --etcd-data-dir=DIR --etcd-client-port=N [--etcd-peer-port=M] -- <kube-apiserver flags>
//
// Everything after "--" is passed to kube-apiserver unchanged; unless it
// already contains --etcd-servers, --etcd-servers=http://127.0.0.1:N is added.
// etcd listens on 127.0.0.1 only (client and peer), without TLS.
//
// Shutdown: SIGTERM/SIGINT is handled by kube-apiserver (graceful shutdown; a
// second signal makes it exit at once). When kube-apiserver returns, etcd is
// closed and the process exits with kube-apiserver's exit code.
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // for timeZone support in CronJob (as upstream cmd/kube-apiserver)

	"go.etcd.io/etcd/client/pkg/v3/logutil"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format registration
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go prometheus plugins
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric registration
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(run())
}

func run() int {
	ownArgs, apiArgs := splitArgs(os.Args[1:])

	fs := flag.NewFlagSet("kube-apiserver-etcd", flag.ContinueOnError)
	dataDir := fs.String("etcd-data-dir", "", "etcd data directory (required; created if missing)")
	clientPort := fs.Int("etcd-client-port", 2379, "etcd client port on 127.0.0.1")
	peerPort := fs.Int("etcd-peer-port", 0, "etcd peer port on 127.0.0.1 (default: etcd-client-port+1)")
	logLevel := fs.String("etcd-log-level", "warn", "etcd log level: debug, info, warn, error")
	readyTimeout := fs.Duration("etcd-ready-timeout", 60*time.Second, "how long to wait for etcd to become ready")
	stopTimeout := fs.Duration("shutdown-timeout", 90*time.Second, "after SIGTERM/SIGINT, how long to wait for kube-apiserver before force-closing etcd and exiting")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s [flags] -- <kube-apiserver flags>\n", os.Args[0])
		fs.PrintDefaults()
	}
	if err := fs.Parse(ownArgs); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "unexpected arguments before \"--\": %q\n", fs.Args())
		return 2
	}
	if *dataDir == "" {
		fmt.Fprintln(os.Stderr, "--etcd-data-dir is required")
		return 2
	}
	if *peerPort == 0 {
		*peerPort = *clientPort + 1
	}

	// Built first: it installs kube-apiserver's SIGTERM/SIGINT handler, whose
	// context we also use to abort while etcd is starting.
	command := app.NewAPIServerCommand()
	ctx := command.Context()

	clientURL := fmt.Sprintf("http://127.0.0.1:%d", *clientPort)
	if !hasFlag(apiArgs, "etcd-servers") {
		apiArgs = append([]string{"--etcd-servers=" + clientURL}, apiArgs...)
	}
	command.SetArgs(apiArgs)

	cfg := embed.NewConfig()
	cfg.Name = "lab"
	cfg.Dir = *dataDir
	cfg.Logger = "zap"
	cfg.LogLevel = *logLevel
	cfg.LogOutputs = []string{"stderr"}
	// etcd's own logger config, but with a level we can raise while closing:
	// (*embed.Etcd).Close logs every closed listener as an error with a stack trace.
	logLevelVar := zap.NewAtomicLevelAt(logutil.ConvertToZapLevel(*logLevel))
	zc := logutil.DefaultZapLoggerConfig
	zc.Level = logLevelVar
	lg, err := zc.Build()
	if err != nil {
		fmt.Fprintf(os.Stderr, "etcd logger: %v\n", err)
		return 1
	}
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(lg)
	cu, _ := url.Parse(clientURL)
	pu, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", *peerPort))
	cfg.ListenClientUrls = []url.URL{*cu}
	cfg.AdvertiseClientUrls = []url.URL{*cu}
	cfg.ListenPeerUrls = []url.URL{*pu}
	cfg.AdvertisePeerUrls = []url.URL{*pu}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	// No etcd auto-compaction: kube-apiserver compacts etcd itself (--etcd-compaction-interval).

	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		fmt.Fprintf(os.Stderr, "etcd data dir: %v\n", err)
		return 1
	}
	started := time.Now()
	etcd, err := embed.StartEtcd(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "starting embedded etcd: %v\n", err)
		return 1
	}
	var stopping atomic.Bool
	var closeOnce sync.Once // (*embed.Etcd).Close is not idempotent
	closeEtcd := func() {
		closeOnce.Do(func() {
			stopping.Store(true)
			logLevelVar.SetLevel(zapcore.FatalLevel)
			t := time.Now()
			etcd.Close()
			fmt.Fprintf(os.Stderr, "embedded etcd stopped (%s)\n", time.Since(t).Round(time.Millisecond))
		})
	}

	select {
	case <-etcd.Server.ReadyNotify():
		fmt.Fprintf(os.Stderr, "embedded etcd ready on %s (peer %s, data %s) after %s\n",
			clientURL, pu, *dataDir, time.Since(started).Round(time.Millisecond))
	case err := <-etcd.Err():
		fmt.Fprintf(os.Stderr, "embedded etcd failed: %v\n", err)
		closeEtcd()
		return 1
	case <-time.After(*readyTimeout):
		fmt.Fprintf(os.Stderr, "embedded etcd not ready after %s\n", *readyTimeout)
		closeEtcd()
		return 1
	case <-ctx.Done():
		fmt.Fprintln(os.Stderr, "signal received while etcd was starting; stopping")
		closeEtcd()
		return 1
	}

	// If etcd dies underneath kube-apiserver, there is nothing to serve from.
	go func() {
		if err, ok := <-etcd.Err(); ok && err != nil && !stopping.Load() {
			fmt.Fprintf(os.Stderr, "embedded etcd failed: %v; exiting\n", err)
			os.Exit(1)
		}
	}()
	// Safety net: do not hang forever after a signal if kube-apiserver does not return.
	go func() {
		<-ctx.Done()
		time.Sleep(*stopTimeout)
		fmt.Fprintf(os.Stderr, "kube-apiserver did not stop within %s of the signal; closing etcd and exiting\n", *stopTimeout)
		closeEtcd()
		os.Exit(1)
	}()

	code := cli.Run(command)
	closeEtcd()
	return code
}

// splitArgs returns the arguments before and after the first "--".
// Without "--", all arguments belong to the wrapper.
func splitArgs(args []string) (own, rest []string) {
	for i, a := range args {
		if a == "--" {
			return args[:i], args[i+1:]
		}
	}
	return args, nil
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == "--"+name || strings.HasPrefix(a, "--"+name+"=") {
			return true
		}
	}
	return false
}
