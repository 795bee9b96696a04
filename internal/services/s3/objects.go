package s3

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/checksum"
	"github.com/virga-aws/virga/internal/request"
	"github.com/virga-aws/virga/internal/services/s3/api"
	"github.com/virga-aws/virga/internal/state"
)

// Limits of objects
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html).
const (
	maxPutSize      = 5 << 30 // a single PUT or copy
	maxKeyLength    = 1024
	maxUserMetadata = 2 << 10
)

// itoa formats n in decimal.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// checkKey applies S3's key length limit.
func checkKey(key string) error {
	if len(key) > maxKeyLength {
		return awserr.New("KeyTooLongError", 400, "Your key is too long").
			With("MaxSizeAllowed", itoa(maxKeyLength)).With("Size", itoa(int64(len(key))))
	}
	return nil
}

// checkMetadata applies the 2 KB limit on user-defined metadata.
func checkMetadata(m map[string]string) error {
	n := 0
	for k, v := range m {
		n += len(k) + len(v)
	}
	if n > maxUserMetadata {
		return awserr.New("MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size").
			With("Size", itoa(int64(n))).With("MaxSizeAllowed", itoa(maxUserMetadata))
	}
	return nil
}

// checkObjectACL rejects ACLs on buckets whose ownership disables them.
func checkObjectACL(b *bucket, acl *string, grants ...*string) error {
	if b.cfg.Ownership != "BucketOwnerEnforced" {
		return nil
	}
	if acl != nil && *acl != "private" && *acl != "bucket-owner-full-control" {
		return awserr.New("AccessControlListNotSupported", 400, "The bucket does not allow ACLs")
	}
	for _, g := range grants {
		if g != nil {
			return awserr.New("AccessControlListNotSupported", 400, "The bucket does not allow ACLs")
		}
	}
	return nil
}

// metaFromPut collects what a PutObject says about the object.
func metaFromPut(in *api.PutObjectRequest) objectMeta {
	return objectMeta{
		ContentType: str(in.ContentType), ContentEncoding: str(in.ContentEncoding),
		ContentDisposition: str(in.ContentDisposition), ContentLanguage: str(in.ContentLanguage),
		CacheControl: str(in.CacheControl), Expires: str(in.Expires), Metadata: in.Metadata,
		StorageClass: str(in.StorageClass), WebsiteRedirect: str(in.WebsiteRedirectLocation),
		SSE: str(in.ServerSideEncryption), KMSKeyID: str(in.SSEKMSKeyId),
	}
}

// normalizeMeta fills the defaults S3 applies to a stored object.
func normalizeMeta(m *objectMeta, b *bucket, account string) {
	if m.ContentType == "" {
		m.ContentType = "binary/octet-stream"
	}
	if m.StorageClass == "" {
		m.StorageClass = api.StorageClassSTANDARD
	}
	if m.SSE == "" {
		m.SSE = api.ServerSideEncryptionAES256
		if enc := b.cfg.Encryption; enc != nil && len(enc.Rules) > 0 && enc.Rules[0].ApplyServerSideEncryptionByDefault != nil {
			d := enc.Rules[0].ApplyServerSideEncryptionByDefault
			m.SSE = str(d.SSEAlgorithm)
			if m.KMSKeyID == "" {
				m.KMSKeyID = str(d.KMSMasterKeyID)
			}
		}
	}
	if m.Owner == "" {
		m.Owner = account
	}
}

// PutObject stores an object, streaming its body into blob storage while
// computing its MD5 (the ETag) and any requested checksum.
func (h *handler) PutObject(ctx context.Context, in *api.PutObjectRequest) (*api.PutObjectOutput, error) {
	info := request.From(ctx)
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	key := str(in.Key)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if in.ContentLength != nil && *in.ContentLength > maxPutSize {
		return nil, errEntityTooLarge(*in.ContentLength, maxPutSize)
	}
	if err := checkMetadata(in.Metadata); err != nil {
		return nil, err
	}
	if in.WriteOffsetBytes != nil {
		return nil, errNotImplemented("PutObject with x-amz-write-offset-bytes")
	}
	if err := checkObjectACL(b, in.ACL, in.GrantFullControl, in.GrantRead, in.GrantReadACP, in.GrantWriteACP); err != nil {
		return nil, err
	}
	if err := checkWriteConditions(in.IfMatch, in.IfNoneMatch); err != nil {
		return nil, err
	}
	var tags []api.Tag
	if in.Tagging != nil {
		if tags, err = parseTaggingHeader(*in.Tagging); err != nil {
			return nil, err
		}
	}
	plan, err := planChecksums(in.ChecksumAlgorithm, in.ContentMD5, checksumFields{
		CRC32: in.ChecksumCRC32, CRC32C: in.ChecksumCRC32C, CRC64NVME: in.ChecksumCRC64NVME,
		SHA1: in.ChecksumSHA1, SHA256: in.ChecksumSHA256, SHA512: in.ChecksumSHA512, MD5: in.ChecksumMD5,
	})
	if err != nil {
		return nil, err
	}
	if plan.Alg == "" {
		// S3 gives objects uploaded without a checksum a CRC64NVME one.
		plan.Alg, plan.computeOnly = checksum.CRC64NVME, true
	}
	if in.IfMatch != nil || in.IfNoneMatch != nil {
		b.mu.RLock()
		err := writeConditionsHold(b, key, in.IfMatch, in.IfNoneMatch)
		b.mu.RUnlock()
		if err != nil {
			return nil, err
		}
	}
	blob, size, set, sum, err := h.s.readBody(ctx, in.Body, in.ContentLength, &plan)
	if err != nil {
		return nil, err
	}
	v := &objVersion{
		objectMeta:   metaFromPut(in),
		Blob:         blob,
		Size:         size,
		ETag:         set.ETag(),
		LastModified: h.s.now(),
		Checksum:     sum,
	}
	putSet(plan.Alg, set)
	v.Tags = tags
	if sum != "" {
		v.ChecksumAlgorithm, v.ChecksumType = string(plan.Alg), api.ChecksumTypeFULLOBJECT
	}
	vid, err := h.install(b, key, v, info.Account, func() error {
		return writeConditionsHold(b, key, in.IfMatch, in.IfNoneMatch)
	})
	if err != nil {
		h.s.removeBlob(blob)
		return nil, err
	}
	out := &api.PutObjectOutput{ETag: &v.ETag, ServerSideEncryption: &v.SSE, SSEKMSKeyId: strOrNil(v.KMSKeyID)}
	if vid != "" {
		out.VersionId = &vid
	}
	if sum != "" {
		var f checksumFields
		setChecksum(&f, v.ChecksumAlgorithm, sum)
		out.ChecksumCRC32, out.ChecksumCRC32C, out.ChecksumCRC64NVME = f.CRC32, f.CRC32C, f.CRC64NVME
		out.ChecksumSHA1, out.ChecksumSHA256, out.ChecksumSHA512, out.ChecksumMD5 = f.SHA1, f.SHA256, f.SHA512, f.MD5
		out.ChecksumType = ptr(v.ChecksumType)
	}
	return out, nil
}

// install makes v the newest version of key, after check (if any) passes
// under the bucket lock. It returns the version id to report ("" for
// buckets that never had versioning).
func (h *handler) install(b *bucket, key string, v *objVersion, account string, check func() error) (string, error) {
	b.mu.Lock()
	if b.gone {
		b.mu.Unlock()
		return "", errNoSuchBucket(b.name)
	}
	if check != nil {
		if err := check(); err != nil {
			b.mu.Unlock()
			return "", err
		}
	}
	normalizeMeta(&v.objectMeta, b, account)
	v.ID = h.s.newVersionID(b)
	versioned := b.cfg.Versioning != ""
	drop, err := h.s.installVersion(b, key, v)
	b.mu.Unlock()
	if err != nil {
		return "", err
	}
	for _, id := range drop {
		h.s.removeBlob(id)
	}
	if !versioned {
		return "", nil
	}
	return v.ID, nil
}

// checkWriteConditions validates conditional-write headers: If-None-Match
// only takes "*".
func checkWriteConditions(ifMatch, ifNoneMatch *string) error {
	if ifNoneMatch != nil && *ifNoneMatch != "*" {
		return awserr.New("NotImplemented", 501, "A header you provided implies functionality that is not implemented").With("Header", "If-None-Match")
	}
	return nil
}

// writeConditionsHold evaluates If-Match / If-None-Match: * of a write
// against the current object; the caller holds b.mu.
func writeConditionsHold(b *bucket, key string, ifMatch, ifNoneMatch *string) error {
	if ifMatch == nil && ifNoneMatch == nil {
		return nil
	}
	var cur *objVersion
	if e := b.objects[key]; e != nil {
		if v := e.latest(); v != nil && !v.DeleteMarker {
			cur = v
		}
	}
	if ifNoneMatch != nil && cur != nil {
		return errPreconditionFailed("If-None-Match")
	}
	if ifMatch != nil {
		if cur == nil {
			return errNoSuchKey(key)
		}
		if !etagMatches(*ifMatch, cur.ETag) {
			return errPreconditionFailed("If-Match")
		}
	}
	return nil
}

// etagMatches reports whether an If-Match/If-None-Match list names etag.
func etagMatches(list, etag string) bool {
	want := strings.Trim(etag, `"`)
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		t = strings.TrimPrefix(t, "W/")
		if t == "*" || strings.Trim(t, `"`) == want {
			return true
		}
	}
	return false
}

// readConditions evaluates the conditional-read headers in RFC 7232's
// order, as S3 does: If-Match (else If-Unmodified-Since) failing is 412;
// If-None-Match (else If-Modified-Since) failing is 304.
func readConditions(v *objVersion, ifMatch, ifNoneMatch *string, ifMod, ifUnmod *time.Time) error {
	lm := v.LastModified.Truncate(time.Second)
	if ifMatch != nil {
		if !etagMatches(*ifMatch, v.ETag) {
			return errPreconditionFailed("If-Match")
		}
	} else if ifUnmod != nil && lm.After(ifUnmod.Truncate(time.Second)) {
		return errPreconditionFailed("If-Unmodified-Since")
	}
	if ifNoneMatch != nil {
		if etagMatches(*ifNoneMatch, v.ETag) {
			return errNotModified(v)
		}
	} else if ifMod != nil && !lm.After(ifMod.Truncate(time.Second)) {
		return errNotModified(v)
	}
	return nil
}

// readTarget finds the version a read addresses: the latest, or vid. A
// delete marker is NoSuchKey (latest) or MethodNotAllowed (by id). The
// caller holds b.mu for reading.
func readTarget(b *bucket, key, vid, method string) (*objVersion, error) {
	if vid != "" && !validVersionID(vid) {
		return nil, errInvalidVersionID(vid)
	}
	e := b.objects[key]
	if vid == "" {
		if e == nil {
			return nil, errNoSuchKey(key)
		}
		v := e.latest()
		if v.DeleteMarker {
			return nil, deleteMarkerHeaders(errNoSuchKey(key), v)
		}
		return v, nil
	}
	if e == nil {
		return nil, errNoSuchVersion(key, vid)
	}
	v, _ := e.find(vid)
	if v == nil {
		return nil, errNoSuchVersion(key, vid)
	}
	if v.DeleteMarker {
		return nil, deleteMarkerHeaders(errMethodNotAllowed(method, "DeleteMarker"), v)
	}
	return v, nil
}

// byteRange is a resolved Range header.
type byteRange struct {
	start, length int64
	partial       bool
}

// parseRange resolves a Range header against an object size. Syntax S3
// does not support (several ranges, other units, garbage) is ignored and
// the whole object is returned, as S3 does.
func parseRange(header string, size int64) (byteRange, error) {
	whole := byteRange{0, size, false}
	spec, ok := strings.CutPrefix(strings.TrimSpace(header), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return whole, nil
	}
	first, last, ok := strings.Cut(spec, "-")
	if !ok {
		return whole, nil
	}
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	if first == "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return whole, nil
		}
		if n == 0 || size == 0 {
			return whole, errInvalidRange(header, size)
		}
		n = min(n, size)
		return byteRange{size - n, n, true}, nil
	}
	a, err := strconv.ParseInt(first, 10, 64)
	if err != nil || a < 0 {
		return whole, nil
	}
	end := size - 1
	if last != "" {
		z, err := strconv.ParseInt(last, 10, 64)
		if err != nil || z < a {
			return whole, nil
		}
		end = min(z, size-1)
	}
	if a >= size {
		return whole, errInvalidRange(header, size)
	}
	return byteRange{a, end - a + 1, true}, nil
}

// partRange returns the byte range of part n of v.
func partRange(v *objVersion, n int32) (byteRange, error) {
	parts := v.PartSizes
	if len(parts) == 0 {
		parts = []int64{v.Size}
	}
	if n < 1 || int(n) > len(parts) {
		return byteRange{}, awserr.New("InvalidPartNumber", 416, "The requested partnumber is not satisfiable").
			With("PartNumberRequested", itoa(int64(n))).With("ActualPartCount", itoa(int64(len(parts))))
	}
	var off int64
	for i := 0; i < int(n)-1; i++ {
		off += parts[i]
	}
	return byteRange{off, parts[n-1], true}, nil
}

// objectHeaders is what GET and HEAD report about a version.
type objectHeaders struct {
	v         *objVersion
	versioned bool
	rng       byteRange
	partsCnt  *int32
	checksums checksumFields
	ctype     *string
}

// prepareRead runs the shared part of GetObject and HeadObject: find the
// version, check conditions, resolve the range or part. open, when set,
// opens the body while the bucket is locked, so a concurrent overwrite
// cannot remove it first.
func (h *handler) prepareRead(ctx context.Context, bucketName, expectedOwner, keyName, versionID *string, method string,
	ifMatch, ifNoneMatch *string, ifMod, ifUnmod *time.Time, rangeHeader *string, partNumber *int32, open bool) (*objectHeaders, state.Blob, error) {
	b, err := h.lookup(bucketName, expectedOwner)
	if err != nil {
		return nil, nil, err
	}
	key := str(keyName)
	b.mu.RLock()
	v, err := readTarget(b, key, str(versionID), method)
	versioned := b.cfg.Versioning != ""
	if err != nil {
		b.mu.RUnlock()
		return nil, nil, err
	}
	var blob state.Blob
	if open && v.Blob != "" {
		blob, err = h.s.blobs.Open(v.Blob)
	}
	b.mu.RUnlock()
	if err != nil {
		return nil, nil, awserr.Internal(err)
	}
	fail := func(err error) (*objectHeaders, state.Blob, error) {
		if blob != nil {
			blob.Close()
		}
		return nil, nil, err
	}
	if err := readConditions(v, ifMatch, ifNoneMatch, ifMod, ifUnmod); err != nil {
		return fail(err)
	}
	if method == http.MethodGet && (v.StorageClass == api.StorageClassGLACIER || v.StorageClass == api.StorageClassDEEPARCHIVE) {
		return fail(api.ErrInvalidObjectState("The operation is not valid for the object's storage class").With("StorageClass", v.StorageClass))
	}
	oh := &objectHeaders{v: v, versioned: versioned, rng: byteRange{0, v.Size, false}}
	switch {
	case partNumber != nil:
		if oh.rng, err = partRange(v, *partNumber); err != nil {
			return fail(err)
		}
		if len(v.PartSizes) > 0 {
			n := int32(len(v.PartSizes))
			oh.partsCnt = &n
		}
	case rangeHeader != nil:
		if oh.rng, err = parseRange(*rangeHeader, v.Size); err != nil {
			return fail(err)
		}
	}
	return oh, blob, nil
}

// apply sets the 206 status of partial reads and, with checksum mode
// enabled, the stored checksum of whole-object reads.
func (h *handler) apply(ctx context.Context, oh *objectHeaders, checksumMode *string, partNumber bool) {
	if oh.rng.partial {
		request.From(ctx).ResponseStatus = http.StatusPartialContent
	}
	whole := !oh.rng.partial || (partNumber && len(oh.v.PartSizes) == 0)
	if checksumMode != nil && *checksumMode == "ENABLED" && whole {
		setChecksum(&oh.checksums, oh.v.ChecksumAlgorithm, oh.v.Checksum)
	}
}

// contentRange returns the Content-Range of a partial read.
func (oh *objectHeaders) contentRange() *string {
	if !oh.rng.partial {
		return nil
	}
	if oh.v.Size == 0 {
		return nil
	}
	return ptr("bytes " + itoa(oh.rng.start) + "-" + itoa(oh.rng.start+oh.rng.length-1) + "/" + itoa(oh.v.Size))
}

func (oh *objectHeaders) versionID() *string {
	if !oh.versioned {
		return nil
	}
	return &oh.v.ID
}

func (oh *objectHeaders) storageClass() *string {
	if oh.v.StorageClass == api.StorageClassSTANDARD {
		return nil
	}
	return &oh.v.StorageClass
}

func (oh *objectHeaders) tagCount() *int32 {
	if len(oh.v.Tags) == 0 {
		return nil
	}
	return ptr(int32(len(oh.v.Tags)))
}

// override returns the response-* query override if given, else def.
func override(o *string, def *string) *string {
	if o != nil {
		return o
	}
	return fieldOrNil(def)
}

// fieldOrNil returns p, a field of an installed (immutable) version, or
// nil when it is empty. Outputs point into the version rather than copy it.
func fieldOrNil(p *string) *string {
	if *p == "" {
		return nil
	}
	return p
}

// acceptRanges is the Accept-Ranges of every object read; outputs share it
// and nothing writes through it.
var acceptRanges = "bytes"

// GetObject streams an object (or a range or part of it).
func (h *handler) GetObject(ctx context.Context, in *api.GetObjectRequest) (*api.GetObjectOutput, error) {
	oh, blob, err := h.prepareRead(ctx, in.Bucket, in.ExpectedBucketOwner, in.Key, in.VersionId, http.MethodGet, in.IfMatch, in.IfNoneMatch,
		in.IfModifiedSince, in.IfUnmodifiedSince, in.Range, in.PartNumber, true)
	if err != nil {
		return nil, err
	}
	h.apply(ctx, oh, in.ChecksumMode, in.PartNumber != nil)
	v := oh.v
	out := &api.GetObjectOutput{
		AcceptRanges:            &acceptRanges,
		LastModified:            &v.LastModified,
		ContentLength:           &oh.rng.length,
		ETag:                    &v.ETag,
		VersionId:               oh.versionID(),
		CacheControl:            override(in.ResponseCacheControl, &v.CacheControl),
		ContentDisposition:      override(in.ResponseContentDisposition, &v.ContentDisposition),
		ContentEncoding:         override(in.ResponseContentEncoding, &v.ContentEncoding),
		ContentLanguage:         override(in.ResponseContentLanguage, &v.ContentLanguage),
		ContentType:             override(in.ResponseContentType, &v.ContentType),
		ContentRange:            oh.contentRange(),
		Expires:                 fieldOrNil(&v.Expires),
		WebsiteRedirectLocation: fieldOrNil(&v.WebsiteRedirect),
		ServerSideEncryption:    fieldOrNil(&v.SSE),
		SSEKMSKeyId:             fieldOrNil(&v.KMSKeyID),
		Metadata:                v.Metadata,
		StorageClass:            oh.storageClass(),
		TagCount:                oh.tagCount(),
		PartsCount:              oh.partsCnt,
	}
	if in.ResponseExpires != nil {
		out.Expires = ptr(in.ResponseExpires.UTC().Format(http.TimeFormat))
	}
	c := oh.checksums
	out.ChecksumCRC32, out.ChecksumCRC32C, out.ChecksumCRC64NVME = c.CRC32, c.CRC32C, c.CRC64NVME
	out.ChecksumSHA1, out.ChecksumSHA256, out.ChecksumSHA512, out.ChecksumMD5 = c.SHA1, c.SHA256, c.SHA512, c.MD5
	if c != (checksumFields{}) {
		out.ChecksumType = fieldOrNil(&v.ChecksumType)
	}
	out.Body = bodyFor(ctx, blob, oh.rng)
	return out, nil
}

// bodyFor returns the response body reading rng of blob. File-backed
// bodies are closed when the request ends (the context is cancelled once
// the response is written); memory bodies need no closing.
func bodyFor(ctx context.Context, blob state.Blob, rng byteRange) io.Reader {
	if blob == nil || rng.length == 0 {
		if blob != nil {
			blob.Close()
		}
		return emptyReaderFor()
	}
	if _, isFile := blob.(interface{ Fd() uintptr }); isFile {
		context.AfterFunc(ctx, func() { blob.Close() })
	}
	if rng.start == 0 && rng.length == blob.Size() {
		return blob
	}
	return io.NewSectionReader(blob, rng.start, rng.length)
}

// emptyReaderFor returns a fresh empty body.
func emptyReaderFor() io.Reader { return strings.NewReader("") }

// HeadObject reports an object's metadata.
func (h *handler) HeadObject(ctx context.Context, in *api.HeadObjectRequest) (*api.HeadObjectOutput, error) {
	oh, _, err := h.prepareRead(ctx, in.Bucket, in.ExpectedBucketOwner, in.Key, in.VersionId, http.MethodHead, in.IfMatch, in.IfNoneMatch,
		in.IfModifiedSince, in.IfUnmodifiedSince, in.Range, in.PartNumber, false)
	if err != nil {
		return nil, err
	}
	h.apply(ctx, oh, in.ChecksumMode, in.PartNumber != nil)
	v := oh.v
	out := &api.HeadObjectOutput{
		AcceptRanges:            &acceptRanges,
		LastModified:            &v.LastModified,
		ContentLength:           &oh.rng.length,
		ETag:                    &v.ETag,
		VersionId:               oh.versionID(),
		CacheControl:            override(in.ResponseCacheControl, &v.CacheControl),
		ContentDisposition:      override(in.ResponseContentDisposition, &v.ContentDisposition),
		ContentEncoding:         override(in.ResponseContentEncoding, &v.ContentEncoding),
		ContentLanguage:         override(in.ResponseContentLanguage, &v.ContentLanguage),
		ContentType:             override(in.ResponseContentType, &v.ContentType),
		ContentRange:            oh.contentRange(),
		Expires:                 fieldOrNil(&v.Expires),
		WebsiteRedirectLocation: fieldOrNil(&v.WebsiteRedirect),
		ServerSideEncryption:    fieldOrNil(&v.SSE),
		SSEKMSKeyId:             fieldOrNil(&v.KMSKeyID),
		Metadata:                v.Metadata,
		StorageClass:            oh.storageClass(),
		TagCount:                oh.tagCount(),
		PartsCount:              oh.partsCnt,
	}
	c := oh.checksums
	out.ChecksumCRC32, out.ChecksumCRC32C, out.ChecksumCRC64NVME = c.CRC32, c.CRC32C, c.CRC64NVME
	out.ChecksumSHA1, out.ChecksumSHA256, out.ChecksumSHA512, out.ChecksumMD5 = c.SHA1, c.SHA256, c.SHA512, c.MD5
	if c != (checksumFields{}) {
		out.ChecksumType = fieldOrNil(&v.ChecksumType)
	}
	return out, nil
}

// deleteResult is the outcome of deleting one key or version.
type deleteResult struct {
	versionID    string
	deleteMarker bool
	// markerID is the id of a delete marker created or removed.
	markerID string
}

// deleteObject deletes key (or one version of it) with S3's versioning
// semantics: unversioned buckets remove the object; enabled buckets add a
// delete marker; suspended buckets replace the null version with a null
// delete marker; a version id removes exactly that version.
func (h *handler) deleteObject(b *bucket, key, vid string, ifMatch *string) (deleteResult, error) {
	if vid != "" && !validVersionID(vid) {
		return deleteResult{}, errInvalidVersionID(vid)
	}
	var drop []string
	b.mu.Lock()
	res, err := func() (deleteResult, error) {
		if b.gone {
			return deleteResult{}, errNoSuchBucket(b.name)
		}
		e := b.objects[key]
		if ifMatch != nil {
			if e == nil || e.latest().DeleteMarker {
				return deleteResult{}, errNoSuchKey(key)
			}
			if !etagMatches(*ifMatch, e.latest().ETag) {
				return deleteResult{}, errPreconditionFailed("If-Match")
			}
		}
		if vid != "" {
			if e == nil {
				return deleteResult{versionID: vid}, nil
			}
			v, i := e.find(vid)
			if v == nil {
				return deleteResult{versionID: vid}, nil
			}
			blob, err := h.s.removeVersion(b, e, i)
			if err != nil {
				return deleteResult{}, err
			}
			drop = append(drop, blob)
			r := deleteResult{versionID: vid, deleteMarker: v.DeleteMarker}
			if v.DeleteMarker {
				r.markerID = vid
			}
			return r, nil
		}
		switch b.cfg.Versioning {
		case "":
			if e == nil {
				return deleteResult{}, nil
			}
			_, i := e.find(nullVersion)
			if i < 0 {
				return deleteResult{}, nil
			}
			blob, err := h.s.removeVersion(b, e, i)
			if err != nil {
				return deleteResult{}, err
			}
			drop = append(drop, blob)
			return deleteResult{}, nil
		default:
			m := &objVersion{ID: h.s.newVersionID(b), DeleteMarker: true, LastModified: h.s.now()}
			d, err := h.s.installVersion(b, key, m)
			if err != nil {
				return deleteResult{}, err
			}
			drop = append(drop, d...)
			return deleteResult{versionID: m.ID, deleteMarker: true, markerID: m.ID}, nil
		}
	}()
	b.mu.Unlock()
	for _, id := range drop {
		h.s.removeBlob(id)
	}
	return res, err
}

// DeleteObject deletes an object or one of its versions.
func (h *handler) DeleteObject(ctx context.Context, in *api.DeleteObjectRequest) (*api.DeleteObjectOutput, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	res, err := h.deleteObject(b, str(in.Key), str(in.VersionId), in.IfMatch)
	if err != nil {
		return nil, err
	}
	out := &api.DeleteObjectOutput{VersionId: strOrNil(res.versionID)}
	if res.deleteMarker {
		out.DeleteMarker = ptr(true)
	}
	return out, nil
}

// maxDeleteObjects is DeleteObjects' limit per request.
const maxDeleteObjects = 1000

// DeleteObjects deletes up to 1000 keys or versions, reporting each.
func (h *handler) DeleteObjects(ctx context.Context, in *api.DeleteObjectsRequest) (*api.DeleteObjectsOutput, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if in.Delete == nil || len(in.Delete.Objects) == 0 || len(in.Delete.Objects) > maxDeleteObjects {
		return nil, errMalformedXML()
	}
	quiet := in.Delete.Quiet != nil && *in.Delete.Quiet
	out := &api.DeleteObjectsOutput{}
	for _, o := range in.Delete.Objects {
		key, vid := str(o.Key), str(o.VersionId)
		res, err := h.deleteObject(b, key, vid, o.ETag)
		if err != nil {
			e := awserr.As(err)
			code, msg := e.Code, e.Message
			if code == "InvalidArgument" && vid != "" {
				code, msg = "NoSuchVersion", "The specified version does not exist."
			}
			out.Errors = append(out.Errors, api.Error{Key: o.Key, VersionId: o.VersionId, Code: &code, Message: &msg})
			continue
		}
		if quiet {
			continue
		}
		d := api.DeletedObject{Key: o.Key, VersionId: o.VersionId}
		if res.deleteMarker {
			d.DeleteMarker = ptr(true)
			d.DeleteMarkerVersionId = strOrNil(res.markerID)
		}
		out.Deleted = append(out.Deleted, d)
	}
	return out, nil
}

// copySource is a parsed x-amz-copy-source.
type copySource struct {
	bucket, key, versionID string
}

// parseCopySource parses "bucket/key[?versionId=id]", URL-encoded, with an
// optional leading slash.
func parseCopySource(raw string) (copySource, error) {
	bad := errInvalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey", "x-amz-copy-source", raw)
	path, query, _ := strings.Cut(raw, "?")
	path = strings.TrimPrefix(path, "/")
	dec, err := pathUnescape(path)
	if err != nil {
		return copySource{}, bad
	}
	bkt, key, ok := strings.Cut(dec, "/")
	if !ok || bkt == "" || key == "" {
		return copySource{}, bad
	}
	cs := copySource{bucket: bkt, key: key}
	if query != "" {
		v, ok := strings.CutPrefix(query, "versionId=")
		if !ok {
			return copySource{}, bad
		}
		cs.versionID, _ = pathUnescape(v)
		if cs.versionID == "" {
			return copySource{}, errInvalidArgument("Invalid version id specified", "x-amz-copy-source", raw)
		}
	}
	return cs, nil
}

// copyConditions evaluates x-amz-copy-source-if-*; failures are 412.
func copyConditions(v *objVersion, ifMatch, ifNoneMatch *string, ifMod, ifUnmod *time.Time) error {
	lm := v.LastModified.Truncate(time.Second)
	if ifMatch != nil {
		if !etagMatches(*ifMatch, v.ETag) {
			return errPreconditionFailed("x-amz-copy-source-If-Match")
		}
	} else if ifUnmod != nil && lm.After(ifUnmod.Truncate(time.Second)) {
		return errPreconditionFailed("x-amz-copy-source-If-Unmodified-Since")
	}
	if ifNoneMatch != nil {
		if etagMatches(*ifNoneMatch, v.ETag) {
			return errPreconditionFailed("x-amz-copy-source-If-None-Match")
		}
	} else if ifMod != nil && !lm.After(ifMod.Truncate(time.Second)) {
		return errPreconditionFailed("x-amz-copy-source-If-Modified-Since")
	}
	return nil
}

// openSource finds and opens the version a copy reads.
func (h *handler) openSource(cs copySource, expectedOwner *string) (*bucket, *objVersion, state.Blob, error) {
	sb, err := h.lookup(&cs.bucket, expectedOwner)
	if err != nil {
		return nil, nil, nil, err
	}
	sb.mu.RLock()
	defer sb.mu.RUnlock()
	if cs.versionID != "" && !validVersionID(cs.versionID) {
		return nil, nil, nil, errInvalidVersionID(cs.versionID)
	}
	v, err := readTarget(sb, cs.key, cs.versionID, http.MethodGet)
	if err != nil {
		if e := awserr.As(err); e.Code == "MethodNotAllowed" {
			return nil, nil, nil, errInvalidRequest("The source of a copy request may not specifically refer to a delete marker by version id.")
		}
		return nil, nil, nil, err
	}
	var blob state.Blob
	if v.Blob != "" {
		if blob, err = h.s.blobs.Open(v.Blob); err != nil {
			return nil, nil, nil, awserr.Internal(err)
		}
	}
	return sb, v, blob, nil
}

// CopyObject copies an object (or a version of it) server-side, streaming
// the body between blobs.
func (h *handler) CopyObject(ctx context.Context, in *api.CopyObjectRequest) (*api.CopyObjectOutput, error) {
	info := request.From(ctx)
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	key := str(in.Key)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	cs, err := parseCopySource(str(in.CopySource))
	if err != nil {
		return nil, err
	}
	if err := checkObjectACL(b, in.ACL, in.GrantFullControl, in.GrantRead, in.GrantReadACP, in.GrantWriteACP); err != nil {
		return nil, err
	}
	if err := checkWriteConditions(in.IfMatch, in.IfNoneMatch); err != nil {
		return nil, err
	}
	replaceMeta := str(in.MetadataDirective) == "REPLACE"
	replaceTags := str(in.TaggingDirective) == "REPLACE"
	if replaceMeta {
		if err := checkMetadata(in.Metadata); err != nil {
			return nil, err
		}
	}
	sb, src, blob, err := h.openSource(cs, in.ExpectedSourceBucketOwner)
	if err != nil {
		return nil, err
	}
	closeBlob := func() {
		if blob != nil {
			blob.Close()
		}
	}
	if err := copyConditions(src, in.CopySourceIfMatch, in.CopySourceIfNoneMatch, in.CopySourceIfModifiedSince, in.CopySourceIfUnmodifiedSince); err != nil {
		closeBlob()
		return nil, err
	}
	if src.Size > maxPutSize {
		closeBlob()
		return nil, errInvalidRequest("The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")
	}
	sb.mu.RLock()
	srcLatest := sb.objects[cs.key] != nil && sb.objects[cs.key].latest() == src
	sb.mu.RUnlock()
	if sb == b && cs.key == key && srcLatest && !replaceMeta && in.StorageClass == nil &&
		in.WebsiteRedirectLocation == nil && in.ServerSideEncryption == nil && in.SSEKMSKeyId == nil && in.ChecksumAlgorithm == nil {
		closeBlob()
		return nil, errInvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	meta := src.objectMeta
	meta.Owner = ""
	meta.SSE, meta.KMSKeyID = "", ""
	if replaceMeta {
		meta = objectMeta{
			ContentType: str(in.ContentType), ContentEncoding: str(in.ContentEncoding),
			ContentDisposition: str(in.ContentDisposition), ContentLanguage: str(in.ContentLanguage),
			CacheControl: str(in.CacheControl), Expires: str(in.Expires), Metadata: in.Metadata,
			WebsiteRedirect: str(in.WebsiteRedirectLocation), Tags: src.Tags,
		}
	}
	meta.StorageClass = str(in.StorageClass)
	if in.WebsiteRedirectLocation != nil {
		meta.WebsiteRedirect = *in.WebsiteRedirectLocation
	}
	meta.SSE, meta.KMSKeyID = str(in.ServerSideEncryption), str(in.SSEKMSKeyId)
	if replaceTags {
		meta.Tags = nil
		if in.Tagging != nil {
			if meta.Tags, err = parseTaggingHeader(*in.Tagging); err != nil {
				closeBlob()
				return nil, err
			}
		}
	}
	alg := checksum.Algorithm(src.ChecksumAlgorithm)
	if in.ChecksumAlgorithm != nil {
		a, ok := checksum.ParseAlgorithm(*in.ChecksumAlgorithm)
		if !ok {
			closeBlob()
			return nil, errInvalidRequest("Value for x-amz-checksum-algorithm header is invalid.")
		}
		alg = a
	}
	if alg != "" {
		if _, err := checksum.New(alg); err != nil {
			alg = ""
		}
	}
	if alg == "" {
		alg = checksum.CRC64NVME
	}
	var r io.Reader = emptyReader
	if blob != nil {
		r = io.NewSectionReader(blob, 0, src.Size)
	}
	set := getSet(alg)
	id, size, err := h.s.writeBlob(r, set, src.Size)
	closeBlob()
	if err != nil {
		putSet(alg, set)
		return nil, awserr.Internal(err)
	}
	v := &objVersion{objectMeta: meta, Blob: id, Size: size, ETag: set.ETag(), LastModified: h.s.now()}
	if alg != "" {
		v.ChecksumAlgorithm, v.ChecksumType = string(alg), api.ChecksumTypeFULLOBJECT
		v.Checksum, _ = set.Base64(alg)
	} else {
		v.ChecksumAlgorithm, v.ChecksumType = "", ""
	}
	putSet(alg, set)
	vid, err := h.install(b, key, v, info.Account, func() error {
		return writeConditionsHold(b, key, in.IfMatch, in.IfNoneMatch)
	})
	if err != nil {
		h.s.removeBlob(id)
		return nil, err
	}
	res := &api.CopyObjectResult{ETag: &v.ETag, LastModified: &v.LastModified}
	if v.Checksum != "" {
		var f checksumFields
		setChecksum(&f, v.ChecksumAlgorithm, v.Checksum)
		res.ChecksumCRC32, res.ChecksumCRC32C, res.ChecksumCRC64NVME = f.CRC32, f.CRC32C, f.CRC64NVME
		res.ChecksumSHA1, res.ChecksumSHA256, res.ChecksumSHA512 = f.SHA1, f.SHA256, f.SHA512
		res.ChecksumType = ptr(v.ChecksumType)
	}
	out := &api.CopyObjectOutput{CopyObjectResult: res, ServerSideEncryption: strOrNil(v.SSE), SSEKMSKeyId: strOrNil(v.KMSKeyID)}
	if vid != "" {
		out.VersionId = &vid
	}
	sb.mu.RLock()
	if sb.cfg.Versioning != "" {
		out.CopySourceVersionId = &src.ID
	}
	sb.mu.RUnlock()
	return out, nil
}

// pathUnescape decodes %XX escapes (and leaves '+' alone, as in paths).
func pathUnescape(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(s) {
			return "", errMalformedXML()
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", errMalformedXML()
		}
		b.WriteByte(hi<<4 | lo)
		i += 2
	}
	return b.String(), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// GetObjectAttributes returns the attributes asked for: the ETag (unquoted,
// as this operation reports it), checksum, parts of a multipart object,
// storage class and size.
func (h *handler) GetObjectAttributes(ctx context.Context, in *api.GetObjectAttributesRequest) (*api.GetObjectAttributesOutput, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	b.mu.RLock()
	v, err := readTarget(b, str(in.Key), str(in.VersionId), http.MethodGet)
	versioned := b.cfg.Versioning != ""
	b.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	if len(in.ObjectAttributes) == 0 {
		return nil, errInvalidArgument("Invalid attribute name specified.", "x-amz-object-attributes", "")
	}
	out := &api.GetObjectAttributesOutput{LastModified: &v.LastModified}
	if versioned {
		out.VersionId = &v.ID
	}
	for _, a := range in.ObjectAttributes {
		switch a {
		case "ETag":
			out.ETag = ptr(strings.Trim(v.ETag, `"`))
		case "StorageClass":
			out.StorageClass = &v.StorageClass
		case "ObjectSize":
			out.ObjectSize = &v.Size
		case "Checksum":
			if v.Checksum != "" {
				var f checksumFields
				setChecksum(&f, v.ChecksumAlgorithm, v.Checksum)
				out.Checksum = &api.Checksum{ChecksumCRC32: f.CRC32, ChecksumCRC32C: f.CRC32C, ChecksumCRC64NVME: f.CRC64NVME,
					ChecksumSHA1: f.SHA1, ChecksumSHA256: f.SHA256, ChecksumType: strOrNil(v.ChecksumType)}
			}
		case "ObjectParts":
			if len(v.PartSizes) == 0 {
				continue
			}
			max := maxListParts
			if in.MaxParts != nil && *in.MaxParts >= 0 {
				max = min(int(*in.MaxParts), maxListParts)
			}
			var marker int32
			if in.PartNumberMarker != nil {
				marker = *in.PartNumberMarker
			}
			op := &api.GetObjectAttributesParts{TotalPartsCount: ptr(int32(len(v.PartSizes))), PartNumberMarker: ptr(marker), MaxParts: ptr(int32(max))}
			for i := int(marker); i < len(v.PartSizes); i++ {
				if len(op.Parts) == max {
					op.IsTruncated = ptr(true)
					break
				}
				op.Parts = append(op.Parts, api.ObjectPart{PartNumber: ptr(int32(i + 1)), Size: ptr(v.PartSizes[i])})
				op.NextPartNumberMarker = ptr(int32(i + 1))
			}
			if op.IsTruncated == nil {
				op.IsTruncated = ptr(false)
			}
			out.ObjectParts = op
		default:
			return nil, errInvalidArgument("Invalid attribute name specified.", "x-amz-object-attributes", a)
		}
	}
	return out, nil
}
