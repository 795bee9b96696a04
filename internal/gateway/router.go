package gateway

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/sigv4"
)

// Route is what the router learned about a request.
type Route struct {
	// Service is the model the request is for.
	Service model.ServiceInfo
	// Protocol is the wire protocol the request uses.
	Protocol string
	// Operation is the operation name ("" when it could not be found).
	Operation string
	// Labels holds REST URI labels.
	Labels map[string]string
	// Credential is the SigV4 credential, when the request carries one.
	Credential sigv4.Credential
	// Signed reports whether Credential was found.
	Signed bool
	// Query is the parsed query string when routing needed it (REST
	// routes), so the pipeline need not parse it again; nil otherwise.
	Query url.Values
	// FormError is set when a form body could not be read (malformed, or
	// larger than maxFormBody).
	FormError error
}

// maxFormBody bounds a query-protocol form body.
const maxFormBody = 16 << 20

// Router finds the service, protocol and operation of a request from data
// derived from the models. The rules, in order:
//
//  1. S3 virtual-hosted style: a host "<bucket>.s3.<anything>",
//     "<bucket>.localhost" or "<bucket>.s3.localhost.localstack.cloud".
//  2. rpcv2Cbor: the smithy-protocol: rpc-v2-cbor header and the path
//     /service/<ServiceShape>/operation/<Operation>.
//  3. X-Amz-Target: "<targetPrefix>.<Operation>" (awsJson 1.0 and 1.1).
//  4. The SigV4 credential scope's service (signing name), then, among the
//     models signing with that name, the query protocols when the request
//     carries Action (form body or query string), else the REST URI
//     templates, the most specific match across those models winning.
//  5. Unsigned query requests: Action and Version.
//  6. Anything else is S3 (path style), as AWS's S3 endpoint and LocalStack
//     treat unsigned REST requests.
//
// Conflicts, settled explicitly: models sharing a signing name and query
// API version (rds, docdb, neptune) resolve to the one whose name is the
// signing name; models sharing an X-Amz-Target prefix resolve to the first
// (by name) that has the operation.
type Router struct {
	byTarget  map[string][]model.ServiceInfo
	bySigning map[string][]model.ServiceInfo
	byVersion map[string][]model.ServiceInfo
	byName    map[string]model.ServiceInfo
	// hostSuffixes are the domains under which "<bucket>." means S3
	// virtual-hosted style.
	hostSuffixes []string
}

// NewRouter builds the routing tables from the model index.
func NewRouter() *Router {
	rt := &Router{
		byTarget:     map[string][]model.ServiceInfo{},
		bySigning:    map[string][]model.ServiceInfo{},
		byVersion:    map[string][]model.ServiceInfo{},
		byName:       map[string]model.ServiceInfo{},
		hostSuffixes: []string{".s3.localhost.localstack.cloud", ".s3.amazonaws.com", ".localhost"},
	}
	for _, s := range model.Index {
		rt.byName[s.Name] = s
		if s.TargetPrefix != "" {
			rt.byTarget[s.TargetPrefix] = append(rt.byTarget[s.TargetPrefix], s)
		}
		rt.bySigning[s.SigningName] = append(rt.bySigning[s.SigningName], s)
		if s.HasProtocol(model.ProtocolQuery) || s.HasProtocol(model.ProtocolEC2) {
			rt.byVersion[s.APIVersion] = append(rt.byVersion[s.APIVersion], s)
		}
	}
	for _, list := range rt.bySigning {
		sort.SliceStable(list, func(i, j int) bool {
			return list[i].Name == list[i].SigningName && list[j].Name != list[j].SigningName
		})
	}
	return rt
}

// Service returns the index entry of a model by name.
func (rt *Router) Service(name string) (model.ServiceInfo, bool) {
	s, ok := rt.byName[name]
	return s, ok
}

// Route identifies the request. Route may parse a form body (r.PostForm).
func (rt *Router) Route(r *http.Request) (Route, bool) {
	var out Route
	out.Credential, out.Signed = sigv4.ParseCredential(r)
	if r.Method == http.MethodPost && isForm(r) && r.PostForm == nil {
		out.FormError = parseFormBody(r)
	}

	if bucket := rt.virtualBucket(r.Host); bucket != "" {
		return rt.restRoute(out, rt.byName["s3"], r, "/"+bucket)
	}
	if r.Header.Get("Smithy-Protocol") == "rpc-v2-cbor" {
		if svc, op, ok := cborPath(r.URL.Path); ok {
			for _, list := range rt.byTarget[svc] {
				if list.HasProtocol(model.ProtocolCBOR) {
					out.Service, out.Protocol, out.Operation = list, model.ProtocolCBOR, op
					return out, true
				}
			}
		}
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		i := strings.LastIndexByte(target, '.')
		if i > 0 {
			prefix, op := target[:i], target[i+1:]
			if cands := rt.byTarget[prefix]; len(cands) > 0 {
				out.Service, out.Protocol, out.Operation = pickByOperation(cands, op), model.ProtocolJSON, op
				return out, true
			}
		}
	}
	if out.Signed && out.Credential.Service != "" {
		cands := rt.bySigning[out.Credential.Service]
		if len(cands) > 0 {
			if action := queryAction(r); action != "" {
				for _, s := range cands {
					if s.HasProtocol(model.ProtocolQuery) || s.HasProtocol(model.ProtocolEC2) {
						out.Service, out.Protocol, out.Operation = s, queryProtocol(s), action
						return out, true
					}
				}
			}
			if route, ok := rt.bestREST(out, cands, r); ok {
				return route, true
			}
			out.Service, out.Protocol = cands[0], primaryProtocol(cands[0])
			return out, true
		}
	}
	if action := queryAction(r); action != "" {
		if cands := rt.byVersion[queryValue(r, "Version")]; len(cands) > 0 {
			s := pickByOperation(cands, action)
			out.Service, out.Protocol, out.Operation = s, queryProtocol(s), action
			return out, true
		}
	}
	return rt.restRoute(out, rt.byName["s3"], r, "")
}

// virtualBucket returns the bucket of an S3 virtual-hosted-style host.
func (rt *Router) virtualBucket(host string) string {
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	host = strings.ToLower(host)
	for _, suffix := range rt.hostSuffixes {
		if b, ok := strings.CutSuffix(host, suffix); ok && b != "" {
			if suffix == ".localhost" {
				// "<bucket>.s3.localhost" and "s3.localhost" forms.
				if b == "s3" {
					return ""
				}
				b = strings.TrimSuffix(b, ".s3")
			}
			if strings.HasPrefix(b, "s3.") || b == "s3" {
				return ""
			}
			return b
		}
	}
	return ""
}

func (rt *Router) restRoute(out Route, s model.ServiceInfo, r *http.Request, prefix string) (Route, bool) {
	out.Service, out.Protocol = s, primaryProtocol(s)
	m, err := model.Load(s.Name)
	if err != nil {
		return out, true
	}
	path := prefix + r.URL.EscapedPath()
	if prefix != "" && path == prefix+"/" {
		path = prefix
	}
	if out.Query == nil {
		out.Query = r.URL.Query()
	}
	route, labels := restTableFor(m).match(r.Method, path, out.Query, r.Header)
	if route != nil {
		out.Operation, out.Labels = route.op.Name, labels
	}
	return out, true
}

func (rt *Router) bestREST(out Route, cands []model.ServiceInfo, r *http.Request) (Route, bool) {
	var best Route
	bestScore := -1
	if out.Query == nil {
		out.Query = r.URL.Query()
	}
	for _, s := range cands {
		if !s.HasProtocol(model.ProtocolRESTJSON) && !s.HasProtocol(model.ProtocolRESTXML) {
			continue
		}
		m, err := model.Load(s.Name)
		if err != nil {
			continue
		}
		route, labels := restTableFor(m).match(r.Method, r.URL.EscapedPath(), out.Query, r.Header)
		if route == nil {
			continue
		}
		if score := route.literalCount; score > bestScore {
			best = out
			best.Service, best.Protocol, best.Operation, best.Labels = s, primaryProtocol(s), route.op.Name, labels
			bestScore = score
		}
	}
	return best, bestScore >= 0
}

func pickByOperation(cands []model.ServiceInfo, op string) model.ServiceInfo {
	if len(cands) > 1 {
		for _, s := range cands {
			if m, err := model.Load(s.Name); err == nil && m.Operations[op] != nil {
				return s
			}
		}
	}
	return cands[0]
}

func primaryProtocol(s model.ServiceInfo) string {
	if len(s.Protocols) > 0 {
		return s.Protocols[0]
	}
	return ""
}

func queryProtocol(s model.ServiceInfo) string {
	if s.HasProtocol(model.ProtocolEC2) {
		return model.ProtocolEC2
	}
	return model.ProtocolQuery
}

// isForm reports whether the request body is a URL-encoded form.
func isForm(r *http.Request) bool {
	ct := strings.TrimLeft(r.Header.Get("Content-Type"), " \t")
	// Only a value starting with the form type can parse as it; most
	// requests (JSON, XML, none) are told apart without parsing.
	if len(ct) < len(formType) || !strings.EqualFold(ct[:len(formType)], formType) {
		return false
	}
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == formType
}

// formType is the media type of query-protocol form bodies.
const formType = "application/x-www-form-urlencoded"

// parseFormBody reads a form body into r.PostForm and puts the bytes back
// as r.Body, so the signature check can still hash them.
func parseFormBody(r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxFormBody))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return err
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return err
	}
	r.PostForm = vals
	return nil
}

// queryAction returns the Action of a query-protocol request, from a POST
// form body or the query string.
func queryAction(r *http.Request) string {
	return queryValue(r, "Action")
}

func queryValue(r *http.Request, name string) string {
	if r.Method == http.MethodPost && r.PostForm != nil {
		if v := r.PostForm.Get(name); v != "" {
			return v
		}
	}
	if r.URL.RawQuery == "" || !strings.Contains(r.URL.RawQuery, name+"=") {
		return ""
	}
	q, _ := url.ParseQuery(r.URL.RawQuery)
	return q.Get(name)
}

// cborPath splits /service/<Service>/operation/<Operation>.
func cborPath(p string) (svc, op string, ok bool) {
	rest, ok := strings.CutPrefix(p, "/service/")
	if !ok {
		return "", "", false
	}
	svc, op, ok = strings.Cut(rest, "/operation/")
	if !ok || svc == "" || op == "" || strings.Contains(op, "/") {
		return "", "", false
	}
	return svc, op, true
}
