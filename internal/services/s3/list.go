package s3

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"

	"github.com/virga-aws/virga/internal/request"
	"github.com/virga-aws/virga/internal/services/s3/api"
)

// maxListKeys is the largest page of ListObjects, ListObjectsV2 and
// ListObjectVersions; larger max-keys are capped to it.
const maxListKeys = 1000

// listed is one row of a listing: an object's key and its current version.
type listed struct {
	key string
	v   *objVersion
}

// listResult is a page of keys and common prefixes in key order.
type listResult struct {
	objects   []listed
	prefixes  []string
	truncated bool
	// last is the last key or common prefix returned.
	last string
}

// list pages through b's current objects after the key after, rolling
// keys up to common prefixes at delimiter. It seeks in the ordered index,
// and skips a whole common prefix with one seek, so a page costs
// O(log n + page). The caller holds b.mu for reading.
func (b *bucket) list(prefix, delimiter, after string, max int) listResult {
	var r listResult
	if max <= 0 {
		return r
	}
	var cur cursor
	if after >= prefix {
		cur = b.index.seekAfter(after)
	} else {
		cur = b.index.seek(prefix)
	}
	count := 0
	for e := cur.entry(); e != nil; e = cur.entry() {
		if !strings.HasPrefix(e.key, prefix) {
			break
		}
		if cp, ok := commonPrefix(e.key, prefix, delimiter); ok {
			if cp <= after {
				// Marker inside or at this prefix: it was returned already.
				end := prefixEnd(cp)
				if end == "" {
					break
				}
				cur = b.index.seek(end)
				continue
			}
			if count == max {
				r.truncated = true
				break
			}
			r.prefixes = append(r.prefixes, cp)
			r.last = cp
			count++
			end := prefixEnd(cp)
			if end == "" {
				break
			}
			cur = b.index.seek(end)
			continue
		}
		v := e.latest()
		if v == nil || v.DeleteMarker {
			cur.next()
			continue
		}
		if count == max {
			r.truncated = true
			break
		}
		r.objects = append(r.objects, listed{e.key, v})
		r.last = e.key
		count++
		cur.next()
	}
	return r
}

// urlEncoder applies encoding-type=url to listing values as S3 does.
type urlEncoder bool

func (u urlEncoder) enc(s string) string {
	if !u {
		return s
	}
	return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/")
}

func (u urlEncoder) ptr(p *string) *string {
	if p == nil {
		return nil
	}
	return ptr(u.enc(*p))
}

// pageSize validates max-keys: default and cap 1000.
func pageSize(mk *int32) (int, error) {
	if mk == nil {
		return maxListKeys, nil
	}
	if *mk < 0 {
		return 0, errInvalidArgument("Argument maxKeys must be an integer between 0 and 2147483647", "maxKeys", itoa(int64(*mk)))
	}
	return min(int(*mk), maxListKeys), nil
}

// objectRow builds a listing's Object element.
func objectRow(l listed, withOwner bool, enc urlEncoder) api.Object {
	o := api.Object{
		Key: ptr(enc.enc(l.key)), LastModified: &l.v.LastModified, ETag: &l.v.ETag,
		Size: &l.v.Size, StorageClass: &l.v.StorageClass,
	}
	if l.v.ChecksumAlgorithm != "" {
		o.ChecksumAlgorithm = []string{l.v.ChecksumAlgorithm}
		o.ChecksumType = strOrNil(l.v.ChecksumType)
	}
	if withOwner {
		o.Owner = owner(l.v.Owner)
	}
	return o
}

func prefixRows(ps []string, enc urlEncoder) []api.CommonPrefix {
	var out []api.CommonPrefix
	for _, p := range ps {
		out = append(out, api.CommonPrefix{Prefix: ptr(enc.enc(p))})
	}
	return out
}

// ListObjects lists current objects (version 1): Marker, and NextMarker
// only when a delimiter is given, as S3 does.
func (h *handler) ListObjects(ctx context.Context, in *api.ListObjectsRequest) (*api.ListObjectsOutput, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	max, err := pageSize(in.MaxKeys)
	if err != nil {
		return nil, err
	}
	enc := urlEncoder(str(in.EncodingType) == "url")
	b.mu.RLock()
	r := b.list(str(in.Prefix), str(in.Delimiter), str(in.Marker), max)
	b.mu.RUnlock()
	mk := int32(maxListKeys)
	if in.MaxKeys != nil {
		mk = *in.MaxKeys
	}
	out := &api.ListObjectsOutput{
		Name: &b.name, Prefix: ptr(enc.enc(str(in.Prefix))), Marker: ptr(enc.enc(str(in.Marker))),
		Delimiter: enc.ptr(in.Delimiter), MaxKeys: &mk, IsTruncated: ptr(r.truncated),
		EncodingType: in.EncodingType, CommonPrefixes: prefixRows(r.prefixes, enc),
	}
	for _, l := range r.objects {
		out.Contents = append(out.Contents, objectRow(l, true, enc))
	}
	if r.truncated && in.Delimiter != nil {
		out.NextMarker = ptr(enc.enc(r.last))
	}
	return out, nil
}

// ListObjectsV2 lists current objects with continuation tokens.
func (h *handler) ListObjectsV2(ctx context.Context, in *api.ListObjectsV2Request) (*api.ListObjectsV2Output, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	max, err := pageSize(in.MaxKeys)
	if err != nil {
		return nil, err
	}
	after := str(in.StartAfter)
	if in.ContinuationToken != nil {
		raw, err := base64.RawURLEncoding.DecodeString(*in.ContinuationToken)
		if err != nil || len(raw) < 1 || raw[0] != 'v' {
			return nil, errInvalidArgument("The continuation token provided is incorrect", "continuation-token", *in.ContinuationToken)
		}
		after = string(raw[1:])
	}
	enc := urlEncoder(str(in.EncodingType) == "url")
	b.mu.RLock()
	r := b.list(str(in.Prefix), str(in.Delimiter), after, max)
	b.mu.RUnlock()
	mk := int32(maxListKeys)
	if in.MaxKeys != nil {
		mk = *in.MaxKeys
	}
	fetchOwner := in.FetchOwner != nil && *in.FetchOwner
	out := &api.ListObjectsV2Output{
		Name: &b.name, Prefix: ptr(enc.enc(str(in.Prefix))), Delimiter: enc.ptr(in.Delimiter),
		MaxKeys: &mk, IsTruncated: ptr(r.truncated), EncodingType: in.EncodingType,
		KeyCount:          ptr(int32(len(r.objects) + len(r.prefixes))),
		ContinuationToken: in.ContinuationToken, StartAfter: enc.ptr(in.StartAfter),
		CommonPrefixes: prefixRows(r.prefixes, enc),
	}
	for _, l := range r.objects {
		out.Contents = append(out.Contents, objectRow(l, fetchOwner, enc))
	}
	if r.truncated {
		out.NextContinuationToken = ptr(base64.RawURLEncoding.EncodeToString([]byte("v" + r.last)))
	}
	return out, nil
}

// ownerOf returns the account shown as the owner of a version.
func ownerOf(ctx context.Context, v *objVersion) string {
	if v.Owner != "" {
		return v.Owner
	}
	return request.From(ctx).Account
}
