package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/lambda/api"
)

// Resource-based policies are stored and reported exactly as AWS shapes
// them, but Virga does not evaluate them: every caller may invoke every
// function, as with IAM enforcement off.

// maxFunctionPolicySize is the largest policy document of one qualifier, in
// bytes (docs/limits.md).
const maxFunctionPolicySize = 20480

// resourcePolicy is the resource-based policy of one qualifier.
type resourcePolicy struct {
	statements []policyStatement
}

// policyStatement is one statement: its Sid and its JSON as AWS renders it
// (Sid, Effect, Principal, Action, Resource, Condition in that order).
type policyStatement struct {
	Sid  string          `json:"sid"`
	JSON json.RawMessage `json:"json"`
}

// document renders the policy as GetPolicy returns it.
func (p *resourcePolicy) document() []byte {
	var b bytes.Buffer
	b.WriteString(`{"Version":"2012-10-17","Id":"default","Statement":[`)
	for i, st := range p.statements {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(st.JSON)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// find returns the index of the statement with sid, or -1.
func (p *resourcePolicy) find(sid string) int {
	for i, st := range p.statements {
		if st.Sid == sid {
			return i
		}
	}
	return -1
}

// condition is one key of a statement's Condition block.
type condition struct{ op, key, value string }

// conditions marshal as AWS writes them: operators in the order their
// first key was added, keys in the order added.
type conditions []condition

// MarshalJSON writes {"Op":{"Key":"Value",...},...}.
func (cs conditions) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	done := map[string]bool{}
	for _, c := range cs {
		if done[c.op] {
			continue
		}
		done[c.op] = true
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.Write(jsonString(c.op))
		b.WriteString(":{")
		first := true
		for _, d := range cs {
			if d.op != c.op {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.Write(jsonString(d.key))
			b.WriteByte(':')
			b.Write(jsonString(d.value))
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// statementDoc is a statement in AWS's member order.
type statementDoc struct {
	Sid       string     `json:"Sid"`
	Effect    string     `json:"Effect"`
	Principal any        `json:"Principal"`
	Action    string     `json:"Action"`
	Resource  string     `json:"Resource"`
	Condition conditions `json:"Condition,omitempty"`
}

// jsonString encodes s as JSON without HTML escaping, as AWS does.
func jsonString(s string) []byte {
	return marshal(s)
}

// marshal encodes v as JSON without HTML escaping or a trailing newline.
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// principal renders AddPermission's Principal as the statement's: a
// service, an account (as its root user), an IAM ARN, or everyone.
func principal(p string) (any, *awserr.Error) {
	switch {
	case p == "*":
		return "*", nil
	case strings.HasSuffix(p, ".amazonaws.com"):
		return map[string]string{"Service": p}, nil
	case validAccount(p):
		return map[string]string{"AWS": "arn:aws:iam::" + p + ":root"}, nil
	case strings.HasPrefix(p, "arn:aws:iam:") || strings.HasPrefix(p, "arn:aws-cn:iam:") || strings.HasPrefix(p, "arn:aws-us-gov:iam:"):
		return map[string]string{"AWS": p}, nil
	}
	return nil, invalidParameter("The provided principal was invalid. Please check the principal and try again.")
}

// policyTarget is what a qualifier of a policy call names: the key its
// policy is stored under, the ARN its statements name, and the version or
// alias whose RevisionId the policy shares.
type policyTarget struct {
	key      string
	resource string
	version  *version // $LATEST or a published version
	alias    *alias
}

// revision is the target's RevisionId.
func (t policyTarget) revision() string {
	if t.alias != nil {
		return t.alias.revisionID
	}
	return t.version.revisionID
}

// policyTarget resolves q ("" or $LATEST for the function itself, a version
// number, an alias name) with AWS's errors. f.mu must be held.
func (f *function) policyTarget(q string) (policyTarget, *awserr.Error) {
	switch {
	case q == "":
		return policyTarget{key: latest, resource: f.arn(), version: f.latest}, nil
	case q == latest:
		return policyTarget{key: latest, resource: f.arn() + ":" + q, version: f.latest}, nil
	case isVersionNumber(q):
		v := f.versions[q]
		if v == nil {
			return policyTarget{}, errFunctionNotFound(f.arn() + ":" + q)
		}
		return policyTarget{key: q, resource: f.arn() + ":" + q, version: v}, nil
	}
	a := f.aliases[q]
	if a == nil {
		return policyTarget{}, errAliasNotFound(f.aliasARN(q))
	}
	return policyTarget{key: q, resource: f.aliasARN(q), alias: a}, nil
}

// policyChanged gives the target a new RevisionId after its policy changed and
// journals the function (where policies live) and the target. f.mu must be
// held.
func (s *Service) policyChanged(f *function, t policyTarget) *awserr.Error {
	switch {
	case t.alias != nil:
		t.alias.revisionID = s.ids.UUID()
		if aerr := s.journalAlias(f, t.alias); aerr != nil {
			return aerr
		}
	case t.version.name != latest:
		t.version.revisionID = s.ids.UUID()
		if aerr := s.journalVersion(f, t.version); aerr != nil {
			return aerr
		}
	default:
		t.version.revisionID = s.ids.UUID()
	}
	return s.journalFunction(f)
}

// AddPermission adds a statement to the resource-based policy of a
// function, version or alias.
func (s *Service) AddPermission(ctx context.Context, in *api.AddPermissionRequest) (*api.AddPermissionResponse, error) {
	f, q, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	if q, aerr = qualifier(q, in.Qualifier); aerr != nil {
		return nil, aerr
	}
	if q == latest {
		return nil, invalidParameter("We currently do not support adding policies for $LATEST.")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, aerr := f.policyTarget(q)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := checkRevisionVia(in.RevisionId, t.revision(), "GetPolicy"); aerr != nil {
		return nil, aerr
	}
	sid := deref(in.StatementId)
	p := f.policies[t.key]
	if p == nil {
		p = &resourcePolicy{}
	}
	if p.find(sid) >= 0 {
		return nil, api.ErrResourceConflictException(fmt.Sprintf("The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", sid)).With("Type", "User")
	}
	who, aerr := principal(deref(in.Principal))
	if aerr != nil {
		return nil, aerr
	}
	doc := statementDoc{Sid: sid, Effect: "Allow", Principal: who, Action: deref(in.Action), Resource: t.resource}
	if v := deref(in.FunctionUrlAuthType); v != "" {
		doc.Condition = append(doc.Condition, condition{"StringEquals", "lambda:FunctionUrlAuthType", v})
	}
	if v := deref(in.SourceAccount); v != "" {
		doc.Condition = append(doc.Condition, condition{"StringEquals", "AWS:SourceAccount", v})
	}
	if v := deref(in.PrincipalOrgID); v != "" {
		doc.Condition = append(doc.Condition, condition{"StringEquals", "aws:PrincipalOrgID", v})
	}
	if v := deref(in.EventSourceToken); v != "" {
		doc.Condition = append(doc.Condition, condition{"StringEquals", "lambda:EventSourceToken", v})
	}
	if v := deref(in.SourceArn); v != "" {
		doc.Condition = append(doc.Condition, condition{"ArnLike", "AWS:SourceArn", v})
	}
	if in.InvokedViaFunctionUrl != nil && *in.InvokedViaFunctionUrl {
		doc.Condition = append(doc.Condition, condition{"Bool", "lambda:InvokedViaFunctionUrl", "true"})
	}
	st := policyStatement{Sid: sid, JSON: marshal(doc)}
	next := &resourcePolicy{statements: append(append([]policyStatement(nil), p.statements...), st)}
	if size := len(next.document()); size > maxFunctionPolicySize {
		return nil, api.ErrPolicyLengthExceededException(fmt.Sprintf("The final policy size (%d) is bigger than the limit (%d).", size, maxFunctionPolicySize)).With("Type", "User")
	}
	if f.policies == nil {
		f.policies = map[string]*resourcePolicy{}
	}
	f.policies[t.key] = next
	if aerr := s.policyChanged(f, t); aerr != nil {
		return nil, aerr
	}
	return &api.AddPermissionResponse{Statement: str(string(st.JSON))}, nil
}

// errNoPolicy is AWS's answer to removing a statement from, or reading,
// a resource that has no policy.
func errNoPolicy() *awserr.Error {
	return api.ErrResourceNotFoundException("No policy is associated with the given resource.").With("Type", "User")
}

// RemovePermission removes a statement from a resource-based policy; the
// policy goes away with its last statement.
func (s *Service) RemovePermission(ctx context.Context, in *api.RemovePermissionRequest) (*api.Empty, error) {
	f, q, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		if aerr.Code == "ResourceNotFoundException" {
			if k, _, perr := parseName(ctx, deref(in.FunctionName)); perr == nil {
				return nil, api.ErrResourceNotFoundException("No policy found for: "+functionARN(k)).With("Type", "User")
			}
		}
		return nil, aerr
	}
	if q, aerr = qualifier(q, in.Qualifier); aerr != nil {
		return nil, aerr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, aerr := f.policyTarget(q)
	if aerr != nil {
		return nil, aerr
	}
	p := f.policies[t.key]
	if p == nil || len(p.statements) == 0 {
		return nil, errNoPolicy()
	}
	sid := deref(in.StatementId)
	i := p.find(sid)
	if i < 0 {
		return nil, api.ErrResourceNotFoundException(fmt.Sprintf("Statement %s is not found in resource policy.", sid)).With("Type", "User")
	}
	if aerr := checkRevision(in.RevisionId, t.revision()); aerr != nil {
		return nil, aerr
	}
	next := &resourcePolicy{statements: append(append([]policyStatement(nil), p.statements[:i]...), p.statements[i+1:]...)}
	if len(next.statements) == 0 {
		delete(f.policies, t.key)
	} else {
		f.policies[t.key] = next
	}
	if aerr := s.policyChanged(f, t); aerr != nil {
		return nil, aerr
	}
	return &api.Empty{}, nil
}

// GetPolicy returns the resource-based policy of a function, version or
// alias, with the RevisionId it shares with that version or alias.
func (s *Service) GetPolicy(ctx context.Context, in *api.GetPolicyRequest) (*api.GetPolicyResponse, error) {
	f, q, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	if q, aerr = qualifier(q, in.Qualifier); aerr != nil {
		return nil, aerr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, aerr := f.policyTarget(q)
	if aerr != nil {
		return nil, aerr
	}
	p := f.policies[t.key]
	if p == nil || len(p.statements) == 0 {
		return nil, api.ErrResourceNotFoundException("The resource you requested does not exist.").With("Type", "User")
	}
	return &api.GetPolicyResponse{Policy: str(string(p.document())), RevisionId: str(t.revision())}, nil
}
