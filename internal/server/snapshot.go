package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/state"
)

// stateAPI saves (GET) or loads (POST or PUT) a state archive (format in
// internal/state's package doc), of every service with state, or of those
// named in ?service=a,b.
//
// Both run while the gateway is paused (gateway.Gateway.Pause): no AWS
// request is inside its handler, so snapshots and bodies agree and a load
// never mixes with a request. Long polls wait outside the pause (they give
// it up while idle), so a save never waits for one; a long poll pending
// during a load goes on waiting on the loaded queue of the same name.
//
// A load restores each service named in the archive (its Restore replaces
// its whole state); services the archive does not name, or that
// ?service= leaves out, are untouched. A load that fails answers 400 with
// the error and the services restored before the failure; see loadState.
func (s *Server) stateAPI(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.saveState(w, r)
	case http.MethodPost, http.MethodPut:
		s.loadState(w, r)
	default:
		w.Header().Set("Allow", "GET, POST, PUT")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "use GET to save state, POST or PUT to load it"})
	}
}

// stateServices returns the services with state that ?service= selects
// (all of them when absent), or an error naming a service that is unknown
// or has no state.
func (s *Server) stateServices(r *http.Request) ([]*service.Service, error) {
	var all []*service.Service
	var names []string
	for _, svc := range s.services {
		if svc.Snapshot != nil {
			all = append(all, svc)
			names = append(names, svc.Model)
		}
	}
	param := r.URL.Query().Get("service")
	if param == "" {
		return all, nil
	}
	var out []*service.Service
	for _, n := range strings.Split(param, ",") {
		n = strings.TrimSpace(n)
		i := slices.Index(names, n)
		if i < 0 {
			return nil, fmt.Errorf("no service %q with state to save or load; services with state: %s", n, strings.Join(names, ", "))
		}
		if !slices.Contains(out, all[i]) {
			out = append(out, all[i])
		}
	}
	return out, nil
}

// bodyStore returns the one blob store the services keep their bodies in,
// and the ids of the bodies their state refers to (nil, nil when none keeps
// bodies). The gateway must be paused.
func bodyStore(svcs []*service.Service) (state.Blobs, []string, error) {
	var store state.Blobs
	seen := map[string]bool{}
	var ids []string
	for _, svc := range svcs {
		if svc.Bodies == nil {
			continue
		}
		b, refs := svc.Bodies()
		if b == nil {
			continue
		}
		if store != nil && store != b {
			return nil, nil, errors.New("services keep bodies in different blob stores; save or load them one at a time with ?service=")
		}
		store = b
		for _, id := range refs {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return store, ids, nil
}

// saveState streams a state archive. An error before the first byte
// answers 500; after it, the connection is cut so the client sees a
// truncated download rather than a complete-looking archive.
func (s *Server) saveState(w http.ResponseWriter, r *http.Request) {
	svcs, err := s.stateServices(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
		return
	}
	resume := s.gateway.Pause()
	defer resume()
	parts := make(map[string]state.Snapshotter, len(svcs))
	for _, svc := range svcs {
		parts[svc.Model] = svc.Snapshot
	}
	store, ids, err := bodyStore(svcs)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/x-tar")
	w.Header().Set("Content-Disposition", `attachment; filename="virga-state.tar"`)
	cw := &countingWriter{w: w}
	if err := state.WriteArchive(cw, parts, store, ids); err != nil {
		s.opts.Logger.Error("state save", "error", err)
		if cw.n == 0 {
			w.Header().Del("Content-Disposition")
			writeJSON(w, http.StatusInternalServerError, map[string]any{"error": err.Error()})
			return
		}
		panic(http.ErrAbortHandler)
	}
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// loadState reads a state archive from the request body.
//
// The archive is read as it arrives: bodies first, then one service at a
// time in name order, each Restore replacing that service's state whole
// (the SQS and STS ones parse their entry fully before changing anything).
// So a damaged archive leaves every service whose entry comes before the
// damage loaded, and the service whose entry is damaged and all after it
// untouched; the 400 answer lists the restored ones under "restored".
// Bodies stored from the archive that no service refers to afterwards are
// removed again. With ?service=, entries of the other services are read
// and skipped (their bodies are not stored when no selected service keeps
// bodies); an entry of a service this server does not have is an error
// either way.
func (s *Server) loadState(w http.ResponseWriter, r *http.Request) {
	svcs, err := s.stateServices(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
		return
	}
	resume := s.gateway.Pause()
	defer resume()
	var restored []string
	parts := map[string]state.Snapshotter{}
	for _, svc := range s.services {
		if svc.Snapshot == nil {
			continue
		}
		if slices.Contains(svcs, svc) {
			parts[svc.Model] = &recordingRestore{Snapshotter: svc.Snapshot, name: svc.Model, done: &restored}
		} else {
			parts[svc.Model] = skipRestore{}
		}
	}
	store, _, err := bodyStore(svcs)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": err.Error()})
		return
	}
	var blobs state.Blobs = discardBlobs{}
	var tracked *trackingBlobs
	if store != nil {
		tracked = &trackingBlobs{Blobs: store}
		blobs = tracked
	}
	loadErr := state.ReadArchive(r.Body, parts, blobs)
	if tracked != nil {
		s.dropUnreferenced(svcs, tracked)
	}
	if loadErr != nil {
		if restored == nil {
			restored = []string{}
		}
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": loadErr.Error(), "restored": restored})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"loaded": restored})
}

// dropUnreferenced removes the bodies a load stored that no service refers
// to after it (all of them when the load failed before the services that
// use them were restored).
func (s *Server) dropUnreferenced(svcs []*service.Service, tracked *trackingBlobs) {
	_, refs, err := bodyStore(svcs)
	if err != nil {
		return
	}
	keep := make(map[string]bool, len(refs))
	for _, id := range refs {
		keep[id] = true
	}
	for _, id := range tracked.ids() {
		if !keep[id] {
			if err := tracked.Remove(id); err != nil && !errors.Is(err, state.ErrBlobNotFound) {
				s.opts.Logger.Error("state load: removing unused body", "id", id, "error", err)
			}
		}
	}
}

// recordingRestore notes the services whose Restore succeeded.
type recordingRestore struct {
	state.Snapshotter
	name string
	done *[]string
}

func (p *recordingRestore) Restore(r io.Reader) error {
	if err := p.Snapshotter.Restore(r); err != nil {
		return err
	}
	*p.done = append(*p.done, p.name)
	return nil
}

// skipRestore reads and ignores the entry of a service a load leaves out.
type skipRestore struct{}

func (skipRestore) Snapshot(io.Writer) error { return errors.New("skipRestore cannot snapshot") }

func (skipRestore) Restore(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}

// trackingBlobs is a blob store that remembers the ids committed through
// it with CommitAs (the bodies a load stored).
type trackingBlobs struct {
	state.Blobs
	mu        sync.Mutex
	committed []string
}

func (t *trackingBlobs) Create() (state.BlobWriter, error) {
	w, err := t.Blobs.Create()
	if err != nil {
		return nil, err
	}
	return &trackingWriter{BlobWriter: w, t: t}, nil
}

func (t *trackingBlobs) ids() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.committed)
}

type trackingWriter struct {
	state.BlobWriter
	t *trackingBlobs
}

func (w *trackingWriter) CommitAs(id string) (int64, error) {
	n, err := w.BlobWriter.CommitAs(id)
	if err == nil {
		w.t.mu.Lock()
		w.t.committed = append(w.t.committed, id)
		w.t.mu.Unlock()
	}
	return n, err
}

// discardBlobs is the blob store of a load that keeps no bodies: bodies
// are read and dropped.
type discardBlobs struct{}

func (discardBlobs) Create() (state.BlobWriter, error) { return &discardWriter{}, nil }

func (discardBlobs) Open(id string) (state.Blob, error) {
	return nil, fmt.Errorf("%w: %s", state.ErrBlobNotFound, id)
}

func (discardBlobs) Remove(id string) error {
	return fmt.Errorf("%w: %s", state.ErrBlobNotFound, id)
}

// discardWriter counts and drops a body.
type discardWriter struct{ n int64 }

func (d *discardWriter) Write(p []byte) (int, error) {
	d.n += int64(len(p))
	return len(p), nil
}

func (d *discardWriter) Commit() (string, int64, error) {
	return "", 0, errors.New("discardBlobs: Commit is not supported")
}

func (d *discardWriter) CommitAs(id string) (int64, error) {
	if !state.ValidBlobID(id) {
		return 0, fmt.Errorf("invalid blob id %q", id)
	}
	return d.n, nil
}

func (d *discardWriter) Abort() {}
