package state

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"testing"
)

// fakeService is a Snapshotter whose state is a map saved as JSON. Its
// Restore checks that every blob it refers to is already in the store.
type fakeService struct {
	Items map[string]string `json:"items"`
	Blobs []string          `json:"blobs"`
	store Blobs
	fail  error
}

func (s *fakeService) Snapshot(w io.Writer) error {
	if s.fail != nil {
		return s.fail
	}
	return json.NewEncoder(w).Encode(s)
}

func (s *fakeService) Restore(r io.Reader) error {
	var next fakeService
	if err := json.NewDecoder(r).Decode(&next); err != nil {
		return err
	}
	for _, id := range next.Blobs {
		b, err := s.store.Open(id)
		if err != nil {
			return fmt.Errorf("restored state refers to a missing body: %w", err)
		}
		b.Close()
	}
	s.Items, s.Blobs = next.Items, next.Blobs
	return nil
}

func TestArchiveRoundTrip(t *testing.T) {
	src := NewMemBlobs(t.TempDir(), 16)
	defer src.Close()
	small := putBlob(t, src, []byte("small body"))
	large := putBlob(t, src, bytes.Repeat([]byte("large body "), 100))
	parts := map[string]Snapshotter{
		"sqs": &fakeService{Items: map[string]string{"queue": "q1"}},
		"s3":  &fakeService{Items: map[string]string{"bucket/key": small}, Blobs: []string{small, large}},
	}
	var archive bytes.Buffer
	if err := WriteArchive(&archive, parts, src, []string{small, large}); err != nil {
		t.Fatal(err)
	}

	// The format is what the package doc promises.
	var names []string
	tr := tar.NewReader(bytes.NewReader(archive.Bytes()))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
	}
	wantNames := []string{"manifest.json", "blobs/" + small, "blobs/" + large, "s3.json", "sqs.json"}
	if strings.Join(names, " ") != strings.Join(wantNames, " ") {
		t.Fatalf("archive entries %v, want %v", names, wantNames)
	}

	dst, err := OpenDirBlobs(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	restored := map[string]*fakeService{"sqs": {store: dst}, "s3": {store: dst}}
	targets := map[string]Snapshotter{"sqs": restored["sqs"], "s3": restored["s3"]}
	if err := ReadArchive(bytes.NewReader(archive.Bytes()), targets, dst); err != nil {
		t.Fatalf("ReadArchive = %v", err)
	}
	for name, want := range parts {
		got := restored[name]
		if !maps.Equal(got.Items, want.(*fakeService).Items) {
			t.Errorf("%s restored %v, want %v", name, got.Items, want.(*fakeService).Items)
		}
	}
	for _, id := range []string{small, large} {
		if got, want := readBlob(t, dst, id), readBlob(t, src, id); !bytes.Equal(got, want) {
			t.Errorf("body %s restored wrong", id)
		}
	}

	// Loading again replaces bodies with the same ids in place.
	if err := ReadArchive(bytes.NewReader(archive.Bytes()), targets, dst); err != nil {
		t.Fatalf("second ReadArchive = %v", err)
	}

	var again bytes.Buffer
	if err := WriteArchive(&again, parts, src, []string{small, large}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), archive.Bytes()) {
		t.Error("writing the same state twice gave different archives")
	}
}

func TestArchiveWithoutBlobs(t *testing.T) {
	var archive bytes.Buffer
	if err := WriteArchive(&archive, map[string]Snapshotter{"sts": &fakeService{Items: map[string]string{"a": "b"}}}, nil, nil); err != nil {
		t.Fatal(err)
	}
	got := &fakeService{}
	if err := ReadArchive(&archive, map[string]Snapshotter{"sts": got, "sqs": &fakeService{}}, nil); err != nil {
		t.Fatal(err)
	}
	if got.Items["a"] != "b" {
		t.Fatalf("restored %v", got.Items)
	}
}

func TestWriteArchiveErrors(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name  string
		parts map[string]Snapshotter
		blobs Blobs
		ids   []string
		want  string
	}{
		{"snapshot fails", map[string]Snapshotter{"sqs": &fakeService{fail: boom}}, nil, nil, "snapshot sqs: boom"},
		{"bad service name", map[string]Snapshotter{"../x": &fakeService{}}, nil, nil, "invalid service name"},
		{"reserved service name", map[string]Snapshotter{"manifest": &fakeService{}}, nil, nil, "invalid service name"},
		{"bad blob id", nil, NewMemBlobs("", 0), []string{"nope"}, "invalid blob id"},
		{"ids without store", nil, nil, []string{newBlobID()}, "without a blob store"},
		{"missing blob", nil, NewMemBlobs("", 0), []string{newBlobID()}, "blob not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteArchive(io.Discard, tt.parts, tt.blobs, tt.ids)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("WriteArchive = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// tarOf builds a tar stream from name/content pairs.
func tarOf(t testing.TB, entries ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for i := 0; i+1 < len(entries); i += 2 {
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: entries[i], Size: int64(len(entries[i+1])), Mode: 0o644}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(entries[i+1]))
	}
	tw.Close()
	return buf.Bytes()
}

func TestReadArchiveErrors(t *testing.T) {
	okManifest := `{"format":"virga-state","version":1,"services":["sqs"],"blobs":0}`
	id := newBlobID()
	tests := []struct {
		name    string
		archive []byte
		want    string
	}{
		{"not tar", []byte("hello"), "not a Virga state archive"},
		{"empty", nil, "not a Virga state archive"},
		{"no manifest first", tarOf(t, "sqs.json", "{}"), `first entry is "sqs.json"`},
		{"bad manifest", tarOf(t, "manifest.json", "{"), "bad manifest"},
		{"other format", tarOf(t, "manifest.json", `{"format":"zip","version":1}`), `format "zip"`},
		{"newer version", tarOf(t, "manifest.json", `{"format":"virga-state","version":2}`), "version 2 not supported"},
		{"unknown service", tarOf(t, "manifest.json", okManifest, "sqs.json", `{}`, "lambda.json", "{}"), `unknown service entry "lambda.json"`},
		{"duplicate service", tarOf(t, "manifest.json", okManifest, "sqs.json", `{}`, "sqs.json", "{}"), "duplicate service entry"},
		{"path in blob name", tarOf(t, "manifest.json", okManifest, "blobs/../../etc/passwd", "x"), "bad blob entry name"},
		{"unexpected entry", tarOf(t, "manifest.json", okManifest, "README", "hi"), `unexpected entry "README"`},
		{"missing service", tarOf(t, "manifest.json", okManifest), `no entry for service "sqs"`},
		{"missing blob", tarOf(t, "manifest.json", `{"format":"virga-state","version":1,"blobs":2}`, "blobs/"+id, "x"), "1 bodies, manifest lists 2"},
		{"restore fails", tarOf(t, "manifest.json", okManifest, "sqs.json", `not json`), "restore sqs:"},
		{"truncated", tarOf(t, "manifest.json", okManifest, "sqs.json", `{}`)[:1100], "read archive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blobs := NewMemBlobs(t.TempDir(), 0)
			defer blobs.Close()
			parts := map[string]Snapshotter{"sqs": &fakeService{store: blobs}}
			err := ReadArchive(bytes.NewReader(tt.archive), parts, blobs)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadArchive = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// FuzzReadArchive checks that no archive bytes make ReadArchive panic or
// hang, and that a state it accepts can be saved and loaded again.
func FuzzReadArchive(f *testing.F) {
	src := NewMemBlobs(f.TempDir(), 0)
	defer src.Close()
	w, _ := src.Create()
	w.Write([]byte("body"))
	id, _, _ := w.Commit()
	var valid bytes.Buffer
	parts := map[string]Snapshotter{"sqs": &fakeService{Items: map[string]string{"q": "1"}, Blobs: []string{id}}}
	if err := WriteArchive(&valid, parts, src, []string{id}); err != nil {
		f.Fatal(err)
	}
	f.Add(valid.Bytes())
	f.Add(valid.Bytes()[:valid.Len()/2])
	f.Add(tarOf(f, "manifest.json", `{"format":"virga-state","version":1}`, "blobs/x", "y"))
	f.Add([]byte{})
	spill := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		blobs := NewMemBlobs(spill, 1<<10)
		defer blobs.Close()
		svc := &fakeService{store: blobs}
		if err := ReadArchive(bytes.NewReader(data), map[string]Snapshotter{"sqs": svc}, blobs); err != nil {
			return
		}
		var again bytes.Buffer
		if err := WriteArchive(&again, map[string]Snapshotter{"sqs": svc}, blobs, svc.Blobs); err != nil {
			t.Fatalf("saving an accepted state: %v", err)
		}
		if err := ReadArchive(&again, map[string]Snapshotter{"sqs": &fakeService{store: blobs}}, blobs); err != nil {
			t.Fatalf("loading a saved state: %v", err)
		}
	})
}
