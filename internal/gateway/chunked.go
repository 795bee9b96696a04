package gateway

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/request"
	"github.com/virga-aws/virga/internal/sigv4"
)

// decodeChunked replaces an aws-chunked body (x-amz-content-sha256
// STREAMING-*) with a reader of its payload, so codecs and handlers see the
// object's bytes; the trailing headers (flexible checksums) become
// available through info.Trailers once the body is read. Content-Length is
// set to x-amz-decoded-content-length, and "aws-chunked" is removed from
// Content-Encoding as S3 does when it stores the object. With a verifier,
// chunk signatures are checked as the body streams.
func (g *Gateway) decodeChunked(r *http.Request, info *request.Info) *awserr.Error {
	sha := r.Header.Get("X-Amz-Content-Sha256")
	if !strings.HasPrefix(sha, "STREAMING-") {
		return nil
	}
	var seed *sigv4.ChunkSeed
	if g.cfg.Verifier != nil {
		s, err := g.cfg.Verifier.ChunkSeed(r)
		if err != nil {
			return signatureError(err)
		}
		seed = s
	}
	cr, err := sigv4.NewChunkedReader(r.Body, sha, seed)
	if err != nil {
		return signatureError(err)
	}
	r.Body = chunkedBody{cr, r.Body}
	info.Trailers = cr.Trailers
	if dl := r.Header.Get("X-Amz-Decoded-Content-Length"); dl != "" {
		if n, err := strconv.ParseInt(dl, 10, 64); err == nil && n >= 0 {
			r.ContentLength = n
			r.Header.Set("Content-Length", dl)
		}
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "" {
		var kept []string
		for _, e := range strings.Split(ce, ",") {
			if e = strings.TrimSpace(e); e != "" && !strings.EqualFold(e, "aws-chunked") {
				kept = append(kept, e)
			}
		}
		if len(kept) == 0 {
			r.Header.Del("Content-Encoding")
		} else {
			r.Header.Set("Content-Encoding", strings.Join(kept, ","))
		}
	}
	return nil
}

// chunkedBody reads the decoded payload and closes the original body.
type chunkedBody struct {
	io.Reader
	orig io.Closer
}

func (c chunkedBody) Close() error { return c.orig.Close() }
