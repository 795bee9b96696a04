// Package s3 is Virga's Amazon S3: buckets, objects, versions, multipart
// uploads, tags and bucket configurations, with bodies streamed to blob
// storage.
package s3

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/id"
	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/services/s3/api"
	"github.com/virga-aws/virga/internal/state"
	"github.com/virga-aws/virga/internal/validate"
)

// handler implements the S3 API over a store.
type handler struct {
	api.Unimplemented
	s      *store
	logger *slog.Logger
}

var _ api.Service = (*handler)(nil)

// New returns the S3 service. With deps.DataDir set, state is journaled
// under DataDir/s3/ and object bodies are files there; otherwise everything
// is in memory, bodies over state.DefaultSpillThreshold spilling to
// temporary files.
func New(deps service.Deps) (*service.Service, error) {
	clk := deps.Clock
	if clk == nil {
		clk = clock.New()
	}
	ids := deps.IDs
	if ids == nil {
		ids = id.NewRandom()
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var (
		blobs   state.Blobs
		log     state.Log = state.Discard
		journal *state.Journal
		closers []func() error
	)
	if deps.DataDir == "" {
		mb := state.NewMemBlobs("", 0)
		blobs = mb
		closers = append(closers, mb.Close)
	} else {
		dir := filepath.Join(deps.DataDir, "s3")
		db, err := state.OpenDirBlobs(dir, state.Options{Logger: logger})
		if err != nil {
			return nil, fmt.Errorf("s3: %w", err)
		}
		j, err := state.OpenJournal(dir, state.Options{Logger: logger})
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("s3: %w", err)
		}
		blobs, log, journal = db, j, j
		closers = append(closers, j.Close, db.Close)
	}
	st := newStore(blobs, log, clk, ids)
	if journal != nil {
		if err := st.replay(journal); err != nil {
			for _, c := range closers {
				c()
			}
			return nil, err
		}
		if db, ok := blobs.(*state.DirBlobs); ok {
			keep := st.referenced()
			if _, err := db.Sweep(func(id string) bool { return keep[id] }); err != nil {
				logger.Warn("s3: sweeping unreferenced bodies", "error", err)
			}
		}
	}
	h := &handler{s: st, logger: logger}
	return &service.Service{
		Model:           "s3",
		Operations:      api.Operations(h),
		ValidationError: validationError,
		Reset:           st.reset,
		Snapshot:        snapshotter{st},
		Bodies:          func() (state.Blobs, []string) { return blobs, st.bodyIDs() },
		Preflight: func(ctx context.Context, labels map[string]string, origin, method string, headers []string) (http.Header, error) {
			hd, err := h.preflight(labels["Bucket"], origin, method, headers)
			if err != nil {
				return nil, err
			}
			return hd, nil
		},
		Close: func() error {
			var errs []error
			for _, c := range closers {
				errs = append(errs, c())
			}
			return errors.Join(errs...)
		},
	}, nil
}

// validationError maps model-constraint failures to S3's errors: S3 has no
// ValidationException; bad enums and values are InvalidArgument (or the
// specific code S3 uses for that header), missing body members MalformedXML.
func validationError(op string, vs []validate.Violation) *awserr.Error {
	v := vs[0]
	val := ""
	if v.Value != nil {
		val = fmt.Sprint(v.Value)
	}
	switch v.Member {
	case "StorageClass":
		return awserr.New("InvalidStorageClass", 400, "The storage class you specified is not valid").With("StorageClassRequested", val)
	case "MetadataDirective":
		return errInvalidArgument("Unknown metadata directive.", "x-amz-metadata-directive", val)
	case "TaggingDirective":
		return errInvalidArgument("Unknown tagging directive.", "x-amz-tagging-directive", val)
	case "Bucket":
		return errInvalidBucketName(val)
	case "LocationConstraint":
		return awserr.New("InvalidLocationConstraint", 400, "The specified location-constraint is not valid").With("LocationConstraint", val)
	case "Key":
		if v.Kind == "length" {
			return awserr.New("KeyTooLongError", 400, "Your key is too long")
		}
	}
	if v.Kind == "required" && strings.Contains(v.Path, ".") {
		return errMalformedXML()
	}
	if v.Kind == "enum" && strings.Contains(v.Path, ".") {
		return errMalformedXML()
	}
	return errInvalidArgument(v.Message(), v.Member, val)
}

// canonicalID returns the 64-hex-digit canonical user id S3 shows for an
// account. AWS's are opaque; Virga derives a stable one from the account.
func canonicalID(account string) string {
	sum := sha256.Sum256([]byte("virga-s3-canonical:" + account))
	return hex.EncodeToString(sum[:])
}

// owner returns the Owner element for an account.
func owner(account string) *api.Owner {
	id := canonicalID(account)
	return &api.Owner{ID: &id}
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// str returns *p, or "" for nil.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// strOrNil returns a pointer to s, or nil for "".
func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
