package lambda

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/lambda/api"
	"github.com/virga-aws/virga/internal/validate"
)

// aliasPattern is the model's pattern of an alias name; Go's regexp
// cannot run its lookahead, so checkAliasName applies it by hand.
const aliasPattern = "(?!^[0-9]+$)([a-zA-Z0-9-_]+)"

// checkAliasName applies the alias name pattern: the model's characters,
// and not a version number.
func checkAliasName(name string) *awserr.Error {
	if name == "" || !allBytes(name, isNameByte) || isVersionNumber(name) {
		return validationError("name", name, "Member must satisfy regular expression pattern: "+aliasPattern)
	}
	return nil
}

// aliasARN is an alias's ARN.
func (f *function) aliasARN(name string) string { return f.arn() + ":" + name }

// errAliasNotFound is AWS's ResourceNotFoundException for a missing alias.
func errAliasNotFound(arn string) *awserr.Error {
	return api.ErrResourceNotFoundException("Cannot find alias arn: "+arn).With("Type", "User")
}

// aliasesOf returns the names of the aliases that route to version q,
// sorted. f.mu must be held.
func (f *function) aliasesOf(q string) []string {
	var out []string
	for _, a := range f.aliases {
		if _, weighted := a.weights[q]; a.version == q || weighted {
			out = append(out, a.name)
		}
	}
	sort.Strings(out)
	return out
}

func (a *alias) toAPI(f *function) *api.AliasConfiguration {
	out := &api.AliasConfiguration{
		AliasArn:        str(f.aliasARN(a.name)),
		Name:            str(a.name),
		FunctionVersion: str(a.version),
		Description:     str(a.description),
		RevisionId:      str(a.revisionID),
	}
	if len(a.weights) > 0 {
		w := make(map[string]float64, len(a.weights))
		for k, v := range a.weights {
			w[k] = v
		}
		out.RoutingConfig = &api.AliasRoutingConfiguration{AdditionalVersionWeights: w}
	}
	return out
}

// javaDouble formats a weight as AWS's messages print doubles (1.0, 0.5).
func javaDouble(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

// checkTarget returns AWS's error when version q does not exist. f.mu must
// be held.
func (f *function) checkTarget(q string) *awserr.Error {
	if q == latest || f.versions[q] != nil {
		return nil
	}
	return errFunctionNotFound(f.arn() + ":" + q)
}

// routing validates AdditionalVersionWeights for an alias that points to
// target, in the order AWS checks them, and returns the weights to store
// (nil for none). f.mu must be held.
func (f *function) routing(cfg *api.AliasRoutingConfiguration, target string) (map[string]float64, *awserr.Error) {
	if cfg == nil || len(cfg.AdditionalVersionWeights) == 0 {
		return nil, nil
	}
	w := cfg.AdditionalVersionWeights
	if len(w) > 1 {
		return nil, invalidParameter("Number of items in AdditionalVersionWeights cannot be greater than 1")
	}
	out := map[string]float64{}
	for k, v := range w {
		entry := "{" + k + "=" + javaDouble(v) + "}"
		if v < 0 || v >= 1 {
			return nil, validationError("routingConfig.additionalVersionWeights", entry,
				"Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]")
		}
		if k == target {
			return nil, invalidParameter(fmt.Sprintf("Invalid function version %s. Function version %s is already included in routing configuration.", target, target))
		}
		if target == latest {
			return nil, invalidParameter("$LATEST is not supported for an alias pointing to more than 1 version")
		}
		if !isVersionNumber(k) || len(k) > 1024 {
			return nil, validationError("routingConfig.additionalVersionWeights", entry,
				"Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+, Member must not be null]")
		}
		if aerr := f.checkTarget(k); aerr != nil {
			return nil, aerr
		}
		out[k] = v
	}
	return out, nil
}

// CreateAlias creates an alias for a version, optionally routing a share
// of invocations to a second version.
func (s *Service) CreateAlias(ctx context.Context, in *api.CreateAliasRequest) (*api.AliasConfiguration, error) {
	name := deref(in.Name)
	if aerr := checkAliasName(name); aerr != nil {
		return nil, aerr
	}
	f, _, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	target := deref(in.FunctionVersion)
	f.mu.Lock()
	defer f.mu.Unlock()
	if aerr := f.checkTarget(target); aerr != nil {
		return nil, aerr
	}
	if f.aliases[name] != nil {
		return nil, api.ErrResourceConflictException("Alias already exists: "+f.aliasARN(name)).With("Type", "User")
	}
	weights, aerr := f.routing(in.RoutingConfig, target)
	if aerr != nil {
		return nil, aerr
	}
	a := &alias{name: name, version: target, description: deref(in.Description), weights: weights, revisionID: s.ids.UUID()}
	f.aliases[name] = a
	if aerr := s.journalAlias(f, a); aerr != nil {
		return nil, aerr
	}
	return a.toAPI(f), nil
}

// GetAlias returns an alias.
func (s *Service) GetAlias(ctx context.Context, in *api.GetAliasRequest) (*api.AliasConfiguration, error) {
	f, _, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.aliases[deref(in.Name)]
	if a == nil {
		return nil, errAliasNotFound(f.aliasARN(deref(in.Name)))
	}
	return a.toAPI(f), nil
}

// UpdateAlias changes an alias's version, description or routing; every
// update gives it a new RevisionId.
func (s *Service) UpdateAlias(ctx context.Context, in *api.UpdateAliasRequest) (*api.AliasConfiguration, error) {
	f, _, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.aliases[deref(in.Name)]
	if old == nil {
		return nil, errAliasNotFound(f.aliasARN(deref(in.Name)))
	}
	if aerr := checkRevision(in.RevisionId, old.revisionID); aerr != nil {
		return nil, aerr
	}
	a := *old
	if in.FunctionVersion != nil {
		if aerr := f.checkTarget(*in.FunctionVersion); aerr != nil {
			return nil, aerr
		}
		a.version = *in.FunctionVersion
	}
	if in.Description != nil {
		a.description = *in.Description
	}
	if in.RoutingConfig != nil {
		if a.weights, aerr = f.routing(in.RoutingConfig, a.version); aerr != nil {
			return nil, aerr
		}
	} else if _, self := a.weights[a.version]; self || (len(a.weights) > 0 && a.version == latest) {
		// The kept routing must still fit the new target.
		cfg := &api.AliasRoutingConfiguration{AdditionalVersionWeights: a.weights}
		if _, aerr := f.routing(cfg, a.version); aerr != nil {
			return nil, aerr
		}
	}
	a.revisionID = s.ids.UUID()
	f.aliases[a.name] = &a
	if aerr := s.journalAlias(f, &a); aerr != nil {
		return nil, aerr
	}
	return a.toAPI(f), nil
}

// DeleteAlias deletes an alias with its policy, asynchronous settings and
// function URL.
// Like AWS it answers 204 whether or not the alias (or the function)
// exists.
func (s *Service) DeleteAlias(ctx context.Context, in *api.DeleteAliasRequest) (*api.Empty, error) {
	f, _, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		if aerr.Code == "ResourceNotFoundException" {
			return &api.Empty{}, nil
		}
		return nil, aerr
	}
	name := deref(in.Name)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.aliases[name] == nil {
		return &api.Empty{}, nil
	}
	delete(f.aliases, name)
	delete(f.policies, name)
	delete(f.eventConfigs, name)
	s.dropURLs(f, func(q string) bool { return q == name })
	if aerr := s.unjournalAlias(f, name); aerr != nil {
		return nil, aerr
	}
	if aerr := s.unjournalURL(f.key, name); aerr != nil {
		return nil, aerr
	}
	if aerr := s.journalFunction(f); aerr != nil {
		return nil, aerr
	}
	return &api.Empty{}, nil
}

// ListAliases lists a function's aliases by name, optionally only those
// pointing to one version, in pages of at most 50.
func (s *Service) ListAliases(ctx context.Context, in *api.ListAliasesRequest) (*api.ListAliasesResponse, error) {
	f, _, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	f.mu.Lock()
	names := make([]string, 0, len(f.aliases))
	for n, a := range f.aliases {
		if in.FunctionVersion == nil || a.version == *in.FunctionVersion {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	items := make([]api.AliasConfiguration, len(names))
	for i, n := range names {
		items[i] = *f.aliases[n].toAPI(f)
	}
	f.mu.Unlock()
	return paginate(items, in.Marker, in.MaxItems, func(p []api.AliasConfiguration, next *string) *api.ListAliasesResponse {
		return &api.ListAliasesResponse{Aliases: p, NextMarker: next}
	})
}

// weightViolations reports whether every violation concerns an alias's
// AdditionalVersionWeights; the handlers check those themselves to answer
// with AWS's wording (which names the map entry).
func weightViolations(vs []validate.Violation) bool {
	for _, v := range vs {
		if !strings.HasPrefix(v.Path, "routingConfig.additionalVersionWeights") {
			return false
		}
	}
	return len(vs) > 0
}

// validationFailure is the service's ValidationError hook: AWS's generic
// ValidationException, except that alias routing weights reach the
// handler, which words their errors as AWS does.
func validationFailure(op string, vs []validate.Violation) *awserr.Error {
	if (op == "CreateAlias" || op == "UpdateAlias") && weightViolations(vs) {
		return nil
	}
	return awserr.New("ValidationException", 400, validate.Summary(vs))
}
