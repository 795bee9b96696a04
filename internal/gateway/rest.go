package gateway

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/virga-aws/virga/internal/model"
)

// restRoute is one operation's HTTP binding, parsed from its requestUri.
type restRoute struct {
	op       *model.Operation
	method   string
	segments []segment
	// queryLiterals are the "?name" or "?name=value" parts of the template.
	queryLiterals []queryLiteral
	// requiredQuery and requiredHeaders name the required input members
	// bound to the query string and headers: a request lacking one is not
	// this operation (S3's PutObject vs UploadPart vs CopyObject).
	requiredQuery   []string
	requiredHeaders []string
	literalCount    int
}

type segment struct {
	literal string
	label   string
	greedy  bool
}

type queryLiteral struct {
	name, value string
	hasValue    bool
}

// restTable is a model's REST routes, indexed so a request is scored only
// against the routes that could match it.
type restTable struct {
	// byOperation finds a route by method and operation name, for the
	// x-id query parameter SDKs add to S3 calls.
	byOperation map[string]*restRoute
	// byFirstLiteral holds the routes whose path starts with a literal
	// segment, by method and that segment; labelFirst, by method, those
	// that start with a label.
	byFirstLiteral map[string][]*restRoute
	labelFirst     map[string][]*restRoute
}

// add indexes a route.
func (t *restTable) add(r *restRoute) {
	t.byOperation[r.method+" "+r.op.Name] = r
	if first := r.segments[0]; first.label == "" {
		key := r.method + " " + first.literal
		t.byFirstLiteral[key] = append(t.byFirstLiteral[key], r)
	} else {
		t.labelFirst[r.method] = append(t.labelFirst[r.method], r)
	}
}

var restTables sync.Map // *model.Model -> *restTable

func restTableFor(m *model.Model) *restTable {
	if t, ok := restTables.Load(m); ok {
		return t.(*restTable)
	}
	t := &restTable{byOperation: map[string]*restRoute{}, byFirstLiteral: map[string][]*restRoute{}, labelFirst: map[string][]*restRoute{}}
	for _, op := range m.Operations {
		t.add(parseRoute(op))
	}
	actual, _ := restTables.LoadOrStore(m, t)
	return actual.(*restTable)
}

func parseRoute(op *model.Operation) *restRoute {
	r := &restRoute{op: op, method: op.HTTP.Method}
	path, query, _ := strings.Cut(op.HTTP.RequestURI, "?")
	for _, part := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
			label := strings.TrimSuffix(strings.TrimPrefix(part, "{"), "}")
			greedy := strings.HasSuffix(label, "+")
			r.segments = append(r.segments, segment{label: strings.TrimSuffix(label, "+"), greedy: greedy})
			continue
		}
		r.segments = append(r.segments, segment{literal: part})
		if part != "" {
			r.literalCount++
		}
	}
	if query != "" {
		for _, kv := range strings.Split(query, "&") {
			name, value, has := strings.Cut(kv, "=")
			if name == "x-id" {
				continue
			}
			r.queryLiterals = append(r.queryLiterals, queryLiteral{name: name, value: value, hasValue: has})
		}
	}
	if op.Input != nil {
		in := op.Input.Shape
		for _, mem := range in.Members {
			if !in.IsRequired(mem.Name) {
				continue
			}
			name := mem.LocationName
			if name == "" {
				name = mem.Name
			}
			switch mem.Location {
			case "querystring":
				r.requiredQuery = append(r.requiredQuery, name)
			case "header":
				r.requiredHeaders = append(r.requiredHeaders, name)
			}
		}
	}
	return r
}

// match finds the route for method and the escaped path and query,
// returning its decoded URI labels. Query and header requirements are
// checked before any label is decoded, so only the winning route pays for
// its labels.
func (t *restTable) match(method, escapedPath string, query url.Values, header http.Header) (*restRoute, map[string]string) {
	parts := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	if xid := query.Get("x-id"); xid != "" {
		if r := t.byOperation[method+" "+xid]; r != nil {
			if labels, ok := r.matchPath(parts); ok {
				return r, labels
			}
		}
	}
	candidates := [2][]*restRoute{t.byFirstLiteral[method+" "+parts[0]], t.labelFirst[method]}
	// rejected marks eligible routes whose labels failed to decode; the
	// next best is tried then, so the result is the best route that
	// matches fully.
	var rejected []*restRoute
	for {
		var best *restRoute
		bestScore := -1
		for _, routes := range candidates {
			for _, r := range routes {
				if !r.literalsMatch(parts) {
					continue
				}
				score, eligible := r.score(query, header)
				if !eligible || slices.Contains(rejected, r) {
					continue
				}
				if score > bestScore || (score == bestScore && best != nil && r.op.Name < best.op.Name) {
					best, bestScore = r, score
				}
			}
		}
		if best == nil {
			return nil, nil
		}
		if labels, ok := best.matchPath(parts); ok {
			return best, labels
		}
		rejected = append(rejected, best)
	}
}

// score rates how specifically the route matches the query and headers,
// and reports whether they have everything the route requires.
func (r *restRoute) score(query url.Values, header http.Header) (int, bool) {
	score := r.literalCount * 100
	for _, q := range r.queryLiterals {
		vals, present := query[q.name]
		if !present || (q.hasValue && (len(vals) == 0 || vals[0] != q.value)) {
			return 0, false
		}
		score += 10
	}
	for _, q := range r.requiredQuery {
		if _, present := query[q]; !present {
			return 0, false
		}
		score++
	}
	for _, h := range r.requiredHeaders {
		if header.Get(h) == "" {
			return 0, false
		}
		score++
	}
	return score, true
}

// literalsMatch is a cheap, allocation-free precheck of the literal
// segments and the segment count.
func (r *restRoute) literalsMatch(parts []string) bool {
	for i, seg := range r.segments {
		if seg.greedy {
			return len(parts) > i
		}
		if i >= len(parts) {
			return seg.literal == "" && seg.label == "" && i == len(r.segments)-1
		}
		if seg.label == "" && seg.literal != parts[i] {
			return false
		}
	}
	return len(parts) <= len(r.segments)+1
}

// matchPath matches the escaped request path, split at "/", against the
// route's segments. A trailing slash after the last non-greedy segment is
// tolerated. Labels are only decoded once the literal segments have matched.
func (r *restRoute) matchPath(parts []string) (map[string]string, bool) {
	if !r.literalsMatch(parts) {
		return nil, false
	}
	var labels map[string]string
	i := 0
	for si, seg := range r.segments {
		if seg.greedy {
			rest := strings.Join(parts[i:], "/")
			if i >= len(parts) || rest == "" {
				return nil, false
			}
			v, err := url.PathUnescape(rest)
			if err != nil {
				return nil, false
			}
			if labels == nil {
				labels = map[string]string{}
			}
			labels[seg.label] = v
			return labels, si == len(r.segments)-1
		}
		if i >= len(parts) {
			if seg.literal == "" && seg.label == "" && si == len(r.segments)-1 {
				return labels, true
			}
			return nil, false
		}
		if seg.label != "" {
			if parts[i] == "" {
				return nil, false
			}
			v, err := url.PathUnescape(parts[i])
			if err != nil {
				return nil, false
			}
			if labels == nil {
				labels = map[string]string{}
			}
			labels[seg.label] = v
		} else if seg.literal != parts[i] {
			return nil, false
		}
		i++
	}
	switch {
	case i == len(parts):
		return labels, true
	case i == len(parts)-1 && parts[i] == "":
		return labels, true
	}
	return nil, false
}
