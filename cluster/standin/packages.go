package standin

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/arc-crossplane/provider-github-arc/cluster/crossplane"
)

// The pods of the Deployments Crossplane makes for a provider or a function.
const (
	labelPackageRevision = "pkg.crossplane.io/revision"
	packageContainer     = "package-runtime"
	// restartBackoffMax caps the wait before a crashed package process is
	// started again, as the kubelet's crash-loop back-off does.
	restartBackoffMax = 30 * time.Second
	// stableRun is how long a process must run for its back-off to start over.
	stableRun = time.Minute
	// serviceWait is how long a pod's Services are looked for: Crossplane may
	// make a function's Service after its Deployment.
	serviceWait = time.Minute
)

// Program is the binary that stands for the image of a Crossplane package.
type Program struct {
	// Binary is the executable.
	Binary string
	// BindArgs are added to the container's args so that the program listens
	// on its pod's own loopback address: in a pod it would have a network
	// namespace of its own, here every process shares the host's.
	BindArgs func(ip string) []string
}

// programFor is the program of the image's package: the last element of its
// repository (".../provider-github-arc:v0.1.0" -> "provider-github-arc").
func (s *StandIn) programFor(image string) (Program, string, bool) {
	repo := image
	if i := strings.Index(repo, "@"); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	name := repo[strings.LastIndex(repo, "/")+1:]
	p, ok := s.o.Programs[name]
	return p, name, ok
}

// runPackage runs the program of a package pod's image until the pod goes,
// starting it again when it exits, as the kubelet does for a Deployment's pod.
// Core reaches the pod through the names of its Services, which the hosts file
// maps to the pod's address while it runs.
func (s *StandIn) runPackage(ctx context.Context, log logr.Logger, pod *corev1.Pod) error {
	spec := findContainer(pod, packageContainer)
	if spec == nil {
		log.Info("not a package pod: no container " + packageContainer)
		return nil
	}
	prog, name, ok := s.programFor(spec.Image)
	if !ok {
		log.Info("no program for the package's image: the pod is not played", "image", spec.Image, "package", name)
		return nil
	}
	ip := s.addresses.take(pod.UID)
	defer s.addresses.release(pod.UID)
	go s.publishServices(ctx, log, pod, ip)
	defer s.hosts.remove(pod.UID)

	var args []string
	if prog.BindArgs != nil {
		args = prog.BindArgs(ip)
	}
	c := container{pod: pod, spec: spec, binary: prog.Binary, args: args, podIP: ip, log: log}
	p, err := s.prepare(ctx, c, s.workDir())
	if err != nil {
		return fmt.Errorf("cannot prepare the %s container: %w", packageContainer, err)
	}
	defer os.RemoveAll(p.dir) //nolint:errcheck // best effort: a temp folder.
	log.Info("playing a package pod", "package", name, "address", ip)
	backoff := time.Second
	for {
		started := time.Now()
		code, err := c.run(ctx, p)
		if code < 0 {
			return nil
		}
		if time.Since(started) > stableRun {
			backoff = time.Second
		}
		log.Info("package process exited; starting it again", "exitCode", code, "error", err, "in", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, restartBackoffMax)
	}
}

// publishServices maps the names of the Services that select the pod to its
// address in the hosts file, looking for them for up to serviceWait.
func (s *StandIn) publishServices(ctx context.Context, log logr.Logger, pod *corev1.Pod, ip string) {
	if s.hosts.path == "" {
		return
	}
	deadline := time.Now().Add(serviceWait)
	for {
		names, err := s.serviceNames(ctx, pod)
		if err == nil && len(names) > 0 {
			if err := s.hosts.add(ctx, pod.UID, ip, names); err != nil {
				log.Error(err, "cannot write the hosts file")
			}
			return
		}
		if time.Now().After(deadline) {
			log.Info("no Service selects the pod: its address is not published", "error", err)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// serviceNames are the DNS names of the Services of the pod's namespace whose
// selector matches the pod.
func (s *StandIn) serviceNames(ctx context.Context, pod *corev1.Pod) ([]string, error) {
	svcs, err := s.kube.CoreV1().Services(pod.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, svc := range svcs.Items {
		if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) {
			continue
		}
		base := svc.Name + "." + svc.Namespace
		names = append(names, base, base+".svc", base+".svc.cluster.local")
	}
	return names, nil
}

// addressBook hands out a loopback address per played pod.
type addressBook struct {
	mu    sync.Mutex
	inUse map[string]bool
	byPod map[types.UID]string
}

// take gives the pod an address of 127.16.0.0 to 127.250.255.255, derived from
// its UID so that a restarted stand-in picks the same one.
func (a *addressBook) take(uid types.UID) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.inUse == nil {
		a.inUse, a.byPod = map[string]bool{}, map[types.UID]string{}
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(string(uid)))
	n := h.Sum32()
	for {
		ip := fmt.Sprintf("127.%d.%d.%d", 16+(n>>16)%235, (n>>8)&0xff, 1+n%254)
		if !a.inUse[ip] {
			a.inUse[ip] = true
			a.byPod[uid] = ip
			return ip
		}
		n++
	}
}

func (a *addressBook) release(uid types.UID) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.inUse, a.byPod[uid])
	delete(a.byPod, uid)
}

// hostsFile is the world's hosts file: its header and a line per played pod.
type hostsFile struct {
	path  string
	mu    sync.Mutex
	lines map[types.UID]string
}

// add maps names to ip for the pod, unless the pod stopped playing (ctx ended):
// remove, which runs after that, then never misses a line.
func (h *hostsFile) add(ctx context.Context, uid types.UID, ip string, names []string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ctx.Err() != nil {
		return nil
	}
	if h.lines == nil {
		h.lines = map[types.UID]string{}
	}
	h.lines[uid] = ip + " " + strings.Join(names, " ")
	return h.write()
}

func (h *hostsFile) remove(uid types.UID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.lines[uid]; !ok {
		return
	}
	delete(h.lines, uid)
	_ = h.write()
}

// write rewrites the file in place: core's /etc/hosts is a bind mount of it, so
// it must stay the same file. Callers hold mu.
func (h *hostsFile) write() error {
	lines := make([]string, 0, len(h.lines))
	for _, l := range h.lines {
		lines = append(lines, l)
	}
	sort.Strings(lines)
	return os.WriteFile(h.path, []byte(crossplane.HostsHeader+strings.Join(lines, "\n")+"\n"), 0o644) //nolint:gosec // read as /etc/hosts
}
