package lambda

import (
	"context"
	"fmt"
	"strconv"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/lambda/api"
)

// latestOrigin returns the identity of the current $LATEST snapshot,
// assigning one at first use. Publishing records it on the new version;
// $LATEST gets a new snapshot (and so a new origin) at every code or
// configuration update, but keeps its origin when only its RevisionId
// changes (a publish, a permission). f.mu must be held.
func (f *function) latestOrigin(s *Service) string {
	if f.latest.origin == "" {
		f.latest.origin = s.ids.UUID()
	}
	return f.latest.origin
}

// publish snapshots $LATEST as the next version, or, when nothing changed
// since the most recent version was published from it, returns that
// version with created false. Version numbers grow and are never reused.
// description, when not empty, replaces the configuration's Description
// in the new version. A new version bumps $LATEST's RevisionId, as AWS
// does, and is journaled. f.mu must be held.
func (f *function) publish(s *Service, description string) (v *version, created bool, aerr *awserr.Error) {
	origin := f.latestOrigin(s)
	if prev := f.versions[strconv.Itoa(f.nextVer-1)]; prev != nil && prev.origin == origin {
		return prev, false, nil
	}
	l := f.latest
	v = &version{fn: f, name: strconv.Itoa(f.nextVer), cfg: l.cfg, code: l.code,
		lastModified: l.lastModified, revisionID: s.ids.UUID(), origin: origin}
	if description != "" {
		v.cfg.Description = description
	}
	f.nextVer++
	f.versions[v.name] = v
	l.revisionID = s.ids.UUID()
	if aerr := s.journalVersion(f, v); aerr != nil {
		return nil, false, aerr
	}
	if aerr := s.journalFunction(f); aerr != nil {
		return nil, false, aerr
	}
	return v, true, nil
}

// publishedOutput is the FunctionConfiguration a publish answers with: a
// new version is Pending (it becomes Active at once), and versions carry no
// LastUpdateStatus. qualified selects the version's ARN over the
// function's (CreateFunction answers with the unqualified ARN).
func publishedOutput(v *version, created, qualified bool) *api.FunctionConfiguration {
	out := v.toAPI(api.StateActive, "")
	out.LastUpdateStatus = nil
	if created {
		out.State = str(api.StatePending)
		out.StateReason = str("The function is being created.")
		out.StateReasonCode = str("Creating")
	}
	if !qualified {
		out.FunctionArn = str(v.fn.arn())
	}
	return out
}

// describe renders the configuration of v as the management calls report
// it for qualifier q: the function's ARN unqualified, otherwise qualified
// with q as given ($LATEST, a version or an alias name). Published
// versions carry no LastUpdateStatus. f.mu must be held.
func (v *version) describe(q string) *api.FunctionConfiguration {
	out := v.toAPI(api.StateActive, api.LastUpdateStatusSuccessful)
	if q == "" {
		out.FunctionArn = str(v.fn.arn())
	} else {
		out.FunctionArn = str(v.fn.arn() + ":" + q)
	}
	if v.name != latest {
		out.LastUpdateStatus = nil
	}
	return out
}

// listItem strips what list operations leave out of a configuration.
func listItem(c *api.FunctionConfiguration) api.FunctionConfiguration {
	out := *c
	out.State, out.StateReason, out.StateReasonCode = nil, nil, nil
	out.LastUpdateStatus, out.LastUpdateStatusReason, out.LastUpdateStatusReasonCode = nil, nil, nil
	return out
}

// PublishVersion publishes $LATEST as a new version, or returns the latest
// version when nothing changed since it was published.
func (s *Service) PublishVersion(ctx context.Context, in *api.PublishVersionRequest) (*api.FunctionConfiguration, error) {
	f, _, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if aerr := checkRevision(in.RevisionId, f.latest.revisionID); aerr != nil {
		return nil, aerr
	}
	if want := deref(in.CodeSha256); want != "" && want != f.latest.code.sha256 {
		return nil, invalidParameter(fmt.Sprintf("CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). Please try again with the CodeSHA256 in $LATEST.", want, f.latest.code.sha256))
	}
	v, created, aerr := f.publish(s, deref(in.Description))
	if aerr != nil {
		return nil, aerr
	}
	return publishedOutput(v, created, true), nil
}

// ListVersionsByFunction lists $LATEST and the published versions in
// order, in pages of at most 50.
func (s *Service) ListVersionsByFunction(ctx context.Context, in *api.ListVersionsByFunctionRequest) (*api.ListVersionsByFunctionResponse, error) {
	f, _, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	f.mu.Lock()
	items := []api.FunctionConfiguration{listItem(f.latest.describe(latest))}
	for _, v := range f.sortedVersions() {
		items = append(items, listItem(v.describe(v.name)))
	}
	f.mu.Unlock()
	return paginate(items, in.Marker, in.MaxItems, func(p []api.FunctionConfiguration, next *string) *api.ListVersionsByFunctionResponse {
		return &api.ListVersionsByFunctionResponse{Versions: p, NextMarker: next}
	})
}

// isVersionNumber reports whether q names a published version by number.
func isVersionNumber(q string) bool {
	if q == "" {
		return false
	}
	for _, c := range q {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
