package s3

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/s3/api"
)

// errCORSNotAllowed is S3's answer when no CORS rule matches a request.
// (AWS's message carries the typo "evalution".)
func errCORSNotAllowed(method, resourceType string) *awserr.Error {
	return awserr.New("AccessForbidden", 403, "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.").
		With("Method", method).With("ResourceType", resourceType)
}

// Preflight answers a CORS preflight request (OPTIONS) for a bucket, as S3
// does: it matches origin, the requested method and the requested headers
// against the bucket's CORS rules, first match wins, and returns the
// Access-Control-* headers of a 200 response, or S3's 403.
//
// The gateway routes OPTIONS requests (which are not in the model) here
// through service.Service.Preflight.
func (h *handler) preflight(bucketName, origin, method string, requested []string) (http.Header, *awserr.Error) {
	if origin == "" {
		return nil, awserr.New("BadRequest", 400, "Insufficient information. Origin request header needed.")
	}
	if method == "" {
		return nil, awserr.New("BadRequest", 400, "Invalid Access-Control-Request-Method: null")
	}
	b := h.s.bucket(bucketName)
	if b == nil {
		return nil, errNoSuchBucket(bucketName)
	}
	b.mu.RLock()
	rules := b.cfg.CORS
	b.mu.RUnlock()
	if len(rules) == 0 {
		return nil, awserr.New("AccessForbidden", 403, "CORSResponse: CORS is not enabled for this bucket.").With("Method", method).With("ResourceType", "BUCKET")
	}
	var reqHeaders []string
	for _, list := range requested {
		for _, hd := range strings.Split(list, ",") {
			if hd = strings.TrimSpace(hd); hd != "" {
				reqHeaders = append(reqHeaders, strings.ToLower(hd))
			}
		}
	}
	r := matchCORS(rules, origin, method, reqHeaders)
	if r == nil {
		return nil, errCORSNotAllowed(method, "OBJECT")
	}
	hd := corsHeaders(r, origin)
	hd.Set("Access-Control-Allow-Methods", strings.Join(r.AllowedMethods, ", "))
	if len(reqHeaders) > 0 {
		hd.Set("Access-Control-Allow-Headers", strings.Join(reqHeaders, ", "))
	}
	if r.MaxAgeSeconds != nil {
		hd.Set("Access-Control-Max-Age", strconv.Itoa(int(*r.MaxAgeSeconds)))
	}
	return hd, nil
}

// corsHeaders returns the headers common to preflight and actual responses.
func corsHeaders(r *api.CORSRule, origin string) http.Header {
	hd := http.Header{}
	allowAll := false
	for _, o := range r.AllowedOrigins {
		if o == "*" {
			allowAll = true
		}
	}
	if allowAll {
		hd.Set("Access-Control-Allow-Origin", "*")
	} else {
		hd.Set("Access-Control-Allow-Origin", origin)
		hd.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(r.ExposeHeaders) > 0 {
		hd.Set("Access-Control-Expose-Headers", strings.Join(r.ExposeHeaders, ", "))
	}
	hd.Set("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
	return hd
}

// matchCORS returns the first rule allowing origin, method and every
// requested header.
func matchCORS(rules []api.CORSRule, origin, method string, reqHeaders []string) *api.CORSRule {
	for i := range rules {
		r := &rules[i]
		if !anyWildcard(r.AllowedOrigins, origin, false) {
			continue
		}
		ok := false
		for _, m := range r.AllowedMethods {
			if m == method {
				ok = true
			}
		}
		if !ok {
			continue
		}
		all := true
		for _, hd := range reqHeaders {
			if !anyWildcard(r.AllowedHeaders, hd, true) {
				all = false
				break
			}
		}
		if all {
			return r
		}
	}
	return nil
}

// anyWildcard reports whether s matches a pattern with at most one "*".
func anyWildcard(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			p = strings.ToLower(p)
		}
		if wildcardMatch(p, s) {
			return true
		}
	}
	return false
}

func wildcardMatch(p, s string) bool {
	before, after, ok := strings.Cut(p, "*")
	if !ok {
		return p == s
	}
	return len(s) >= len(before)+len(after) && strings.HasPrefix(s, before) && strings.HasSuffix(s, after)
}
