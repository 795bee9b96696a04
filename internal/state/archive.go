package state

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Snapshotter is implemented by each service to save and load its whole
// state as one archive entry (JSON by convention).
type Snapshotter interface {
	// Snapshot writes the service's state to w. It must see a consistent
	// state: callers stop requests while archives are written.
	Snapshot(w io.Writer) error
	// Restore replaces the service's state with the one read from r, written
	// earlier by Snapshot (possibly by an older build). Input comes from
	// users: bad input must yield an error, never a panic. Blobs named by the
	// state are already in the store when Restore runs. With a durable Log,
	// Restore also replaces the service's journal records (DeletePrefix(ns,
	// "") for each of its namespaces, then Put for each restored record), so
	// that a restart finds the loaded state; bodies the old state referred to
	// and the new one does not are removed after that.
	Restore(r io.Reader) error
}

const (
	archiveFormat   = "virga-state"
	archiveVersion  = 1
	manifestName    = "manifest.json"
	blobEntryPrefix = "blobs/"
	serviceSuffix   = ".json"
	// maxManifestSize bounds the manifest read from an archive.
	maxManifestSize = 1 << 20
	// snapshotSpill is the size above which a service snapshot is buffered
	// in a temporary file instead of memory while an archive is written.
	snapshotSpill = 8 << 20
)

// archiveTime is the modification time of every entry, so equal states give
// equal archives.
var archiveTime = time.Unix(0, 0).UTC()

// manifest is the first entry of an archive.
type manifest struct {
	Format   string   `json:"format"`
	Version  int      `json:"version"`
	Services []string `json:"services"`
	Blobs    int      `json:"blobs"`
}

// validServiceName reports whether name can name a service entry: lower-case
// letters, digits and dashes, starting with a letter or digit.
func validServiceName(name string) bool {
	if name == "" || name == strings.TrimSuffix(manifestName, serviceSuffix) || name[0] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// WriteArchive writes a state archive (format in the package doc) to w: the
// bodies blobIDs name, read from blobs, and one entry per service in parts,
// keyed by service name (e.g. "sqs", "s3"). Each service's snapshot is taken
// first and buffered (in memory up to 8 MiB, then in a temporary file),
// because a tar entry states its size before its data. blobs may be nil when
// blobIDs is empty. The caller must keep state from changing while
// WriteArchive runs, so that snapshots and bodies agree.
func WriteArchive(w io.Writer, parts map[string]Snapshotter, blobs Blobs, blobIDs []string) error {
	names := make([]string, 0, len(parts))
	for name := range parts {
		if !validServiceName(name) {
			return fmt.Errorf("state: write archive: invalid service name %q", name)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	for _, id := range blobIDs {
		if !ValidBlobID(id) {
			return fmt.Errorf("state: write archive: invalid blob id %q", id)
		}
	}
	if len(blobIDs) > 0 && blobs == nil {
		return errors.New("state: write archive: blob ids given without a blob store")
	}

	buffers := NewMemBlobs("", snapshotSpill)
	defer buffers.Close()
	snapshots := make([]string, len(names))
	for i, name := range names {
		bw, err := buffers.Create()
		if err != nil {
			return fmt.Errorf("state: snapshot %s: %w", name, err)
		}
		if err := parts[name].Snapshot(bw); err != nil {
			bw.Abort()
			return fmt.Errorf("state: snapshot %s: %w", name, err)
		}
		if snapshots[i], _, err = bw.Commit(); err != nil {
			return fmt.Errorf("state: snapshot %s: %w", name, err)
		}
	}

	tw := tar.NewWriter(w)
	m, err := json.Marshal(manifest{Format: archiveFormat, Version: archiveVersion, Services: names, Blobs: len(blobIDs)})
	if err != nil {
		return fmt.Errorf("state: write archive: %w", err)
	}
	if err := writeEntry(tw, manifestName, int64(len(m)), bytes.NewReader(m)); err != nil {
		return err
	}
	for _, id := range blobIDs {
		if err := copyBlobEntry(tw, blobEntryPrefix+id, blobs, id); err != nil {
			return err
		}
	}
	for i, name := range names {
		if err := copyBlobEntry(tw, name+serviceSuffix, buffers, snapshots[i]); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("state: write archive: %w", err)
	}
	return nil
}

func copyBlobEntry(tw *tar.Writer, name string, blobs Blobs, id string) error {
	b, err := blobs.Open(id)
	if err != nil {
		return fmt.Errorf("state: write archive entry %s: %w", name, err)
	}
	defer b.Close()
	return writeEntry(tw, name, b.Size(), b)
}

func writeEntry(tw *tar.Writer, name string, size int64, r io.Reader) error {
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     name,
		Size:     size,
		Mode:     0o644,
		ModTime:  archiveTime,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("state: write archive entry %s: %w", name, err)
	}
	if _, err := io.Copy(tw, r); err != nil {
		return fmt.Errorf("state: write archive entry %s: %w", name, err)
	}
	return nil
}

// ReadArchive reads a state archive written by WriteArchive: it stores every
// body into blobs under its id (replacing a body with the same id), and calls
// Restore of the service each service entry names, in archive order, so
// bodies are in place before the services that refer to them. Services
// without an entry are not touched; a caller loading a whole world resets
// them first. An entry for a service not in parts, an unknown entry, or an
// archive cut short is an error. ReadArchive is not atomic: after an error
// some services may hold restored state, and the caller should reset.
func ReadArchive(r io.Reader, parts map[string]Snapshotter, blobs Blobs) error {
	tr := tar.NewReader(r)
	hdr, err := tr.Next()
	if err != nil {
		return fmt.Errorf("state: read archive: not a Virga state archive: %w", err)
	}
	if hdr.Name != manifestName || hdr.Typeflag != tar.TypeReg {
		return fmt.Errorf("state: read archive: not a Virga state archive: first entry is %q, want %q", hdr.Name, manifestName)
	}
	var m manifest
	dec := json.NewDecoder(io.LimitReader(tr, maxManifestSize))
	if err := dec.Decode(&m); err != nil {
		return fmt.Errorf("state: read archive: bad manifest: %w", err)
	}
	if m.Format != archiveFormat {
		return fmt.Errorf("state: read archive: not a Virga state archive: format %q", m.Format)
	}
	if m.Version < 1 || m.Version > archiveVersion {
		return fmt.Errorf("state: read archive: version %d not supported (this build reads version %d)", m.Version, archiveVersion)
	}

	restored := make(map[string]bool)
	blobCount := 0
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("state: read archive: %w", err)
		}
		if hdr.Typeflag == tar.TypeDir {
			continue
		}
		if hdr.Typeflag != tar.TypeReg {
			return fmt.Errorf("state: read archive: entry %q is not a regular file", hdr.Name)
		}
		for k := range hdr.PAXRecords {
			if strings.HasPrefix(k, "GNU.sparse.") {
				return fmt.Errorf("state: read archive: entry %q is a sparse file", hdr.Name)
			}
		}
		switch name := hdr.Name; {
		case strings.HasPrefix(name, blobEntryPrefix):
			id := strings.TrimPrefix(name, blobEntryPrefix)
			if !ValidBlobID(id) {
				return fmt.Errorf("state: read archive: bad blob entry name %q", name)
			}
			if blobs == nil {
				return errors.New("state: read archive: archive holds bodies but no blob store was given")
			}
			if err := restoreBlob(blobs, id, tr, hdr.Size); err != nil {
				return err
			}
			blobCount++
		case strings.HasSuffix(name, serviceSuffix):
			service := strings.TrimSuffix(name, serviceSuffix)
			p, ok := parts[service]
			if !ok || !validServiceName(service) {
				return fmt.Errorf("state: read archive: unknown service entry %q", name)
			}
			if restored[service] {
				return fmt.Errorf("state: read archive: duplicate service entry %q", name)
			}
			restored[service] = true
			if err := p.Restore(tr); err != nil {
				return fmt.Errorf("state: restore %s: %w", service, err)
			}
		default:
			return fmt.Errorf("state: read archive: unexpected entry %q", name)
		}
	}
	for _, service := range m.Services {
		if !restored[service] {
			return fmt.Errorf("state: read archive: incomplete: no entry for service %q listed in the manifest", service)
		}
	}
	if blobCount != m.Blobs {
		return fmt.Errorf("state: read archive: incomplete: %d bodies, manifest lists %d", blobCount, m.Blobs)
	}
	return nil
}

func restoreBlob(blobs Blobs, id string, r io.Reader, size int64) error {
	w, err := blobs.Create()
	if err != nil {
		return fmt.Errorf("state: read archive body %s: %w", id, err)
	}
	defer w.Abort()
	n, err := io.Copy(w, r)
	if err != nil {
		return fmt.Errorf("state: read archive body %s: %w", id, err)
	}
	if n != size {
		return fmt.Errorf("state: read archive body %s: %d bytes, header says %d", id, n, size)
	}
	if _, err := w.CommitAs(id); err != nil {
		return fmt.Errorf("state: read archive body %s: %w", id, err)
	}
	return nil
}
