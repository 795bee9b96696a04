package gateway

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/virga-aws/virga/internal/model"
)

// linearMatch is the route search without the table's indexes: every route
// of the model is scored. The indexed search must choose as it does.
func linearMatch(t *restTable, method, escapedPath string, query url.Values, header http.Header) *restRoute {
	parts := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	var all []*restRoute
	for _, r := range t.byOperation {
		all = append(all, r)
	}
	if xid := query.Get("x-id"); xid != "" {
		for _, r := range all {
			if r.op.Name == xid && r.method == method {
				if _, ok := r.matchPath(parts); ok {
					return r
				}
			}
		}
	}
	var rejected []*restRoute
	for {
		var best *restRoute
		bestScore := -1
		for _, r := range all {
			if r.method != method || !r.literalsMatch(parts) {
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
		if best == nil {
			return nil
		}
		if _, ok := best.matchPath(parts); ok {
			return best
		}
		rejected = append(rejected, best)
	}
}

// exampleRequest builds a request for a route's template: labels filled
// with "v1" (greedy ones with "a/b"), its query literals and required query
// members and headers set.
func exampleRequest(r *restRoute, xid bool) (string, url.Values, http.Header) {
	var path strings.Builder
	for _, seg := range r.segments {
		path.WriteByte('/')
		switch {
		case seg.greedy:
			path.WriteString("a/b")
		case seg.label != "":
			path.WriteString("v1")
		default:
			path.WriteString(seg.literal)
		}
	}
	query := url.Values{}
	for _, q := range r.queryLiterals {
		query.Set(q.name, q.value)
	}
	for _, q := range r.requiredQuery {
		query.Set(q, "1")
	}
	if xid {
		query.Set("x-id", r.op.Name)
	}
	header := http.Header{}
	for _, h := range r.requiredHeaders {
		header.Set(h, "1")
	}
	return path.String(), query, header
}

// TestIndexedRoutesMatchLinearSearch checks, for every operation of every
// REST model, that the indexed route search picks what scoring every
// route would, with and without S3's x-id hint.
func TestIndexedRoutesMatchLinearSearch(t *testing.T) {
	checked := 0
	for _, info := range model.Index {
		if !info.HasProtocol(model.ProtocolRESTJSON) && !info.HasProtocol(model.ProtocolRESTXML) {
			continue
		}
		if testing.Short() && info.Name != "s3" && info.Name != "s3control" && info.Name != "lambda" {
			continue
		}
		m, err := model.Load(info.Name)
		if err != nil {
			t.Fatalf("load %s: %v", info.Name, err)
		}
		table := restTableFor(m)
		for _, r := range table.byOperation {
			for _, xid := range []bool{false, true} {
				path, query, header := exampleRequest(r, xid)
				got, _ := table.match(r.method, path, query, header)
				want := linearMatch(table, r.method, path, query, header)
				if got != want {
					t.Errorf("%s %s %s?%s: indexed search chose %s, linear search %s", info.Name, r.method, path, query.Encode(), routeName(got), routeName(want))
				}
				checked++
			}
		}
	}
	if checked == 0 {
		t.Fatal("no REST operations checked")
	}
}

func routeName(r *restRoute) string {
	if r == nil {
		return "nothing"
	}
	return r.op.Name
}
