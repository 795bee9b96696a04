package s3

import (
	"context"
	"encoding/hex"
	"hash"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/checksum"
	"github.com/virga-aws/virga/internal/request"
	"github.com/virga-aws/virga/internal/services/s3/api"
)

// Multipart limits
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html).
const (
	minPartSize   = 5 << 20
	maxPartSize   = 5 << 30
	maxPartNumber = 10000
	maxListParts  = 1000
)

// CreateMultipartUpload starts a multipart upload.
func (h *handler) CreateMultipartUpload(ctx context.Context, in *api.CreateMultipartUploadRequest) (*api.CreateMultipartUploadOutput, error) {
	info := request.From(ctx)
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	key := str(in.Key)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := checkMetadata(in.Metadata); err != nil {
		return nil, err
	}
	if err := checkObjectACL(b, in.ACL, in.GrantFullControl, in.GrantRead, in.GrantReadACP, in.GrantWriteACP); err != nil {
		return nil, err
	}
	meta := objectMeta{
		ContentType: str(in.ContentType), ContentEncoding: str(in.ContentEncoding),
		ContentDisposition: str(in.ContentDisposition), ContentLanguage: str(in.ContentLanguage),
		CacheControl: str(in.CacheControl), Expires: str(in.Expires), Metadata: in.Metadata,
		StorageClass: str(in.StorageClass), WebsiteRedirect: str(in.WebsiteRedirectLocation),
		SSE: str(in.ServerSideEncryption), KMSKeyID: str(in.SSEKMSKeyId),
	}
	if in.Tagging != nil {
		if meta.Tags, err = parseTaggingHeader(*in.Tagging); err != nil {
			return nil, err
		}
	}
	if in.ChecksumAlgorithm != nil {
		a, ok := checksum.ParseAlgorithm(*in.ChecksumAlgorithm)
		if !ok {
			return nil, errInvalidRequest("Value for x-amz-checksum-algorithm header is invalid.")
		}
		if _, err := checksum.New(a); err != nil {
			return nil, errNotImplemented("checksum algorithm " + string(a))
		}
		typ := str(in.ChecksumType)
		if typ == "" {
			typ = api.ChecksumTypeCOMPOSITE
			if !a.SupportsComposite() {
				typ = api.ChecksumTypeFULLOBJECT
			}
		}
		if (typ == api.ChecksumTypeFULLOBJECT && !a.SupportsFullObject()) || (typ == api.ChecksumTypeCOMPOSITE && !a.SupportsComposite()) {
			return nil, errInvalidRequest("The " + strings.ToLower(typ) + " checksum type is not supported with the " + string(a) + " checksum algorithm.")
		}
		meta.ChecksumAlgorithm, meta.ChecksumType = string(a), typ
	} else if in.ChecksumType != nil {
		return nil, errInvalidRequest("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
	}
	b.mu.Lock()
	if b.gone {
		b.mu.Unlock()
		return nil, errNoSuchBucket(b.name)
	}
	normalizeMeta(&meta, b, info.Account)
	u := &upload{ID: h.s.ids.Hex(32), Key: key, Initiated: h.s.now(), Meta: meta, Parts: map[int32]*part{}}
	err = h.s.persistUpload(b, u)
	if err == nil {
		b.uploads[u.ID] = u
	}
	b.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return &api.CreateMultipartUploadOutput{
		Bucket: &b.name, Key: &key, UploadId: &u.ID, ServerSideEncryption: strOrNil(meta.SSE),
		SSEKMSKeyId: strOrNil(meta.KMSKeyID), ChecksumAlgorithm: strOrNil(meta.ChecksumAlgorithm),
		ChecksumType: strOrNil(meta.ChecksumType),
	}, nil
}

// findUpload returns the upload id for key; the caller holds b.mu.
func findUpload(b *bucket, key, uploadID string) (*upload, error) {
	u := b.uploads[uploadID]
	if u == nil || u.Key != key {
		return nil, errNoSuchUpload(uploadID)
	}
	return u, nil
}

// checkPartNumber applies the 1–10000 range.
func checkPartNumber(n *int32) error {
	if n == nil || *n < 1 || *n > maxPartNumber {
		v := ""
		if n != nil {
			v = strconv.Itoa(int(*n))
		}
		return errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", v)
	}
	return nil
}

// storePart records a part, replacing an earlier one with the same number.
func (h *handler) storePart(b *bucket, key, uploadID string, p *part) error {
	b.mu.Lock()
	u, err := findUpload(b, key, uploadID)
	if err != nil || b.gone {
		b.mu.Unlock()
		if err == nil {
			err = errNoSuchBucket(b.name)
		}
		return err
	}
	old := u.Parts[p.Number]
	u.Parts[p.Number] = p
	if err := h.s.persistUpload(b, u); err != nil {
		if old != nil {
			u.Parts[p.Number] = old
		} else {
			delete(u.Parts, p.Number)
		}
		b.mu.Unlock()
		return err
	}
	b.mu.Unlock()
	if old != nil {
		h.s.removeBlob(old.Blob)
	}
	return nil
}

// UploadPart stores one part, streaming it to blob storage.
func (h *handler) UploadPart(ctx context.Context, in *api.UploadPartRequest) (*api.UploadPartOutput, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	key, uploadID := str(in.Key), str(in.UploadId)
	if err := checkPartNumber(in.PartNumber); err != nil {
		return nil, err
	}
	if in.ContentLength != nil && *in.ContentLength > maxPartSize {
		return nil, errEntityTooLarge(*in.ContentLength, maxPartSize)
	}
	b.mu.RLock()
	u, err := findUpload(b, key, uploadID)
	var meta objectMeta
	if u != nil {
		meta = u.Meta
	}
	b.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	plan, err := planChecksums(in.ChecksumAlgorithm, in.ContentMD5, checksumFields{
		CRC32: in.ChecksumCRC32, CRC32C: in.ChecksumCRC32C, CRC64NVME: in.ChecksumCRC64NVME,
		SHA1: in.ChecksumSHA1, SHA256: in.ChecksumSHA256, SHA512: in.ChecksumSHA512, MD5: in.ChecksumMD5,
	})
	if err != nil {
		return nil, err
	}
	if want := checksum.Algorithm(meta.ChecksumAlgorithm); want != "" {
		switch {
		case plan.Alg == "":
			plan.Alg, plan.computeOnly = want, true
		case plan.Alg != want:
			return nil, errInvalidRequest("Checksum Type mismatch occurred, expected checksum Type: " + strings.ToLower(string(want)) + ", actual checksum Type: " + strings.ToLower(string(plan.Alg)))
		}
	}
	blob, size, set, sum, err := h.s.readBody(ctx, in.Body, in.ContentLength, &plan)
	if err != nil {
		return nil, err
	}
	if meta.ChecksumAlgorithm == "" {
		sum = ""
	}
	p := &part{Number: *in.PartNumber, Blob: blob, Size: size, ETag: set.ETag(), Checksum: sum, LastModified: h.s.now()}
	putSet(plan.Alg, set)
	if err := h.storePart(b, key, uploadID, p); err != nil {
		h.s.removeBlob(blob)
		return nil, err
	}
	out := &api.UploadPartOutput{ETag: &p.ETag, ServerSideEncryption: strOrNil(meta.SSE), SSEKMSKeyId: strOrNil(meta.KMSKeyID)}
	var f checksumFields
	setChecksum(&f, meta.ChecksumAlgorithm, sum)
	out.ChecksumCRC32, out.ChecksumCRC32C, out.ChecksumCRC64NVME = f.CRC32, f.CRC32C, f.CRC64NVME
	out.ChecksumSHA1, out.ChecksumSHA256, out.ChecksumSHA512 = f.SHA1, f.SHA256, f.SHA512
	return out, nil
}

// parseCopyRange parses x-amz-copy-source-range ("bytes=first-last").
func parseCopyRange(s string, size int64) (byteRange, error) {
	bad := errInvalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy", "x-amz-copy-source-range", s)
	spec, ok := strings.CutPrefix(s, "bytes=")
	if !ok {
		return byteRange{}, bad
	}
	a, z, ok := strings.Cut(spec, "-")
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(z, 10, 64)
	if !ok || err1 != nil || err2 != nil || first < 0 || last < first {
		return byteRange{}, bad
	}
	if last >= size {
		return byteRange{}, errInvalidArgument("Range specified is not valid for source object of size: "+itoa(size), "x-amz-copy-source-range", s)
	}
	return byteRange{first, last - first + 1, true}, nil
}

// UploadPartCopy stores a part copied from (a range of) an object.
func (h *handler) UploadPartCopy(ctx context.Context, in *api.UploadPartCopyRequest) (*api.UploadPartCopyOutput, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	key, uploadID := str(in.Key), str(in.UploadId)
	if err := checkPartNumber(in.PartNumber); err != nil {
		return nil, err
	}
	cs, err := parseCopySource(str(in.CopySource))
	if err != nil {
		return nil, err
	}
	b.mu.RLock()
	u, err := findUpload(b, key, uploadID)
	var alg checksum.Algorithm
	if u != nil {
		alg = checksum.Algorithm(u.Meta.ChecksumAlgorithm)
	}
	b.mu.RUnlock()
	if err != nil {
		return nil, err
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
	rng := byteRange{0, src.Size, false}
	if in.CopySourceRange != nil {
		if rng, err = parseCopyRange(*in.CopySourceRange, src.Size); err != nil {
			closeBlob()
			return nil, err
		}
	}
	if rng.length > maxPartSize {
		closeBlob()
		return nil, errEntityTooLarge(rng.length, maxPartSize)
	}
	var r io.Reader = emptyReader
	if blob != nil {
		r = io.NewSectionReader(blob, rng.start, rng.length)
	}
	set := getSet(alg)
	id, size, err := h.s.writeBlob(r, set, rng.length)
	closeBlob()
	if err != nil {
		putSet(alg, set)
		return nil, awserr.Internal(err)
	}
	p := &part{Number: *in.PartNumber, Blob: id, Size: size, ETag: set.ETag(), LastModified: h.s.now()}
	if alg != "" {
		p.Checksum, _ = set.Base64(alg)
	}
	putSet(alg, set)
	if err := h.storePart(b, key, uploadID, p); err != nil {
		h.s.removeBlob(id)
		return nil, err
	}
	res := &api.CopyPartResult{ETag: &p.ETag, LastModified: &p.LastModified}
	var f checksumFields
	setChecksum(&f, string(alg), p.Checksum)
	res.ChecksumCRC32, res.ChecksumCRC32C, res.ChecksumCRC64NVME = f.CRC32, f.CRC32C, f.CRC64NVME
	res.ChecksumSHA1, res.ChecksumSHA256, res.ChecksumSHA512 = f.SHA1, f.SHA256, f.SHA512
	out := &api.UploadPartCopyOutput{CopyPartResult: res}
	sb.mu.RLock()
	if sb.cfg.Versioning != "" {
		out.CopySourceVersionId = &src.ID
	}
	sb.mu.RUnlock()
	return out, nil
}

// CompleteMultipartUpload assembles the listed parts into the object:
// parts must be ascending, exist with matching ETags, and all but the last
// be at least 5 MiB. The parts are streamed into one body; the ETag is the
// MD5 of the part MD5s suffixed "-N".
func (h *handler) CompleteMultipartUpload(ctx context.Context, in *api.CompleteMultipartUploadRequest) (*api.CompleteMultipartUploadOutput, error) {
	info := request.From(ctx)
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	key, uploadID := str(in.Key), str(in.UploadId)
	if err := checkWriteConditions(in.IfMatch, in.IfNoneMatch); err != nil {
		return nil, err
	}
	if in.MultipartUpload == nil || len(in.MultipartUpload.Parts) == 0 {
		return nil, errMalformedXML()
	}
	listedParts := in.MultipartUpload.Parts
	b.mu.RLock()
	u, err := findUpload(b, key, uploadID)
	if err != nil {
		b.mu.RUnlock()
		return nil, err
	}
	meta := u.Meta
	chosen := make([]*part, 0, len(listedParts))
	var prev int32
	for i, lp := range listedParts {
		n := int32(0)
		if lp.PartNumber != nil {
			n = *lp.PartNumber
		}
		if i > 0 && n <= prev {
			b.mu.RUnlock()
			return nil, awserr.New("InvalidPartOrder", 400, "The list of parts was not in ascending order. The parts list must be specified in order by part number.").With("UploadId", uploadID)
		}
		prev = n
		p := u.Parts[n]
		if p == nil || strings.Trim(str(lp.ETag), `"`) != strings.Trim(p.ETag, `"`) {
			b.mu.RUnlock()
			return nil, awserr.New("InvalidPart", 400, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.").
				With("UploadId", uploadID).With("PartNumber", itoa(int64(n))).With("ETag", str(lp.ETag))
		}
		chosen = append(chosen, p)
	}
	b.mu.RUnlock()
	var total int64
	for i, p := range chosen {
		if i < len(chosen)-1 && p.Size < minPartSize {
			return nil, awserr.New("EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed size").
				With("UploadId", uploadID).With("PartNumber", itoa(int64(p.Number))).With("ETag", p.ETag).
				With("ProposedSize", itoa(p.Size)).With("MinSizeAllowed", itoa(minPartSize))
		}
		total += p.Size
	}
	if in.MpuObjectSize != nil && *in.MpuObjectSize != total {
		return nil, errInvalidRequest("The provided 'x-amz-mp-object-size' header value " + itoa(*in.MpuObjectSize) + " does not match what was computed: " + itoa(total))
	}
	if in.IfMatch != nil || in.IfNoneMatch != nil {
		b.mu.RLock()
		err := writeConditionsHold(b, key, in.IfMatch, in.IfNoneMatch)
		b.mu.RUnlock()
		if err != nil {
			return nil, err
		}
	}
	v := &objVersion{objectMeta: meta, LastModified: h.s.now(), Size: total}
	md5s := make([][]byte, len(chosen))
	for i, p := range chosen {
		md5s[i], _ = hex.DecodeString(strings.Trim(p.ETag, `"`))
		v.PartSizes = append(v.PartSizes, p.Size)
	}
	v.ETag = checksum.MultipartETag(md5s)
	if alg := checksum.Algorithm(meta.ChecksumAlgorithm); alg != "" {
		if v.Checksum, err = combinedChecksum(alg, meta.ChecksumType, chosen); err != nil {
			return nil, awserr.Internal(err)
		}
		var f checksumFields
		setChecksum(&f, string(alg), v.Checksum)
		given := checksumFields{CRC32: in.ChecksumCRC32, CRC32C: in.ChecksumCRC32C, CRC64NVME: in.ChecksumCRC64NVME, SHA1: in.ChecksumSHA1, SHA256: in.ChecksumSHA256}
		if g := *given.get(alg); g != nil && meta.ChecksumType == api.ChecksumTypeFULLOBJECT && *g != v.Checksum {
			return nil, errBadDigest("The " + string(alg) + " you specified did not match the calculated checksum.")
		}
	}
	var crc hash.Hash
	if meta.ChecksumAlgorithm == "" {
		// S3 gives multipart objects created without a checksum algorithm
		// a full-object CRC64NVME.
		v.ChecksumAlgorithm, v.ChecksumType = string(checksum.CRC64NVME), api.ChecksumTypeFULLOBJECT
		crc = checksum.NewCRC64NVME()
	}
	blob, err := h.concatParts(chosen, crc)
	if err != nil {
		if _, ok := err.(*awserr.Error); ok {
			return nil, err
		}
		return nil, errNoSuchUpload(uploadID)
	}
	v.Blob = blob
	if crc != nil {
		v.Checksum = checksum.Encode(crc.Sum(nil))
	}
	var drop []string
	vid, err := h.install(b, key, v, info.Account, func() error {
		cur, err := findUpload(b, key, uploadID)
		if err != nil {
			return err
		}
		if err := writeConditionsHold(b, key, in.IfMatch, in.IfNoneMatch); err != nil {
			return err
		}
		if err := h.s.forgetUpload(b, uploadID); err != nil {
			return err
		}
		delete(b.uploads, uploadID)
		for _, p := range cur.Parts {
			drop = append(drop, p.Blob)
		}
		return nil
	})
	if err != nil {
		h.s.removeBlob(blob)
		return nil, err
	}
	for _, id := range drop {
		h.s.removeBlob(id)
	}
	out := &api.CompleteMultipartUploadOutput{
		Location: ptr(objectURL(info, b.name, key)), Bucket: &b.name, Key: &key, ETag: &v.ETag,
		ServerSideEncryption: strOrNil(v.SSE), SSEKMSKeyId: strOrNil(v.KMSKeyID),
	}
	if vid != "" {
		out.VersionId = &vid
	}
	if v.Checksum != "" {
		var f checksumFields
		setChecksum(&f, v.ChecksumAlgorithm, v.Checksum)
		out.ChecksumCRC32, out.ChecksumCRC32C, out.ChecksumCRC64NVME = f.CRC32, f.CRC32C, f.CRC64NVME
		out.ChecksumSHA1, out.ChecksumSHA256 = f.SHA1, f.SHA256
		out.ChecksumType = strOrNil(v.ChecksumType)
	}
	return out, nil
}

// combinedChecksum returns the checksum of a multipart object from its
// parts' checksums.
func combinedChecksum(alg checksum.Algorithm, typ string, parts []*part) (string, error) {
	if typ == api.ChecksumTypeFULLOBJECT {
		ps := make([]checksum.Part, len(parts))
		for i, p := range parts {
			sum, _ := checksum.Decode(alg, p.Checksum)
			ps[i] = checksum.Part{Sum: sum, Size: p.Size}
		}
		return checksum.FullObject(alg, ps)
	}
	sums := make([][]byte, len(parts))
	for i, p := range parts {
		sums[i], _ = checksum.Decode(alg, p.Checksum)
	}
	return checksum.Composite(alg, sums)
}

// concatParts streams the parts into one new body, feeding sink (if any)
// too.
func (h *handler) concatParts(parts []*part, sink io.Writer) (string, error) {
	w, err := h.s.blobs.Create()
	if err != nil {
		return "", err
	}
	defer w.Abort()
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	for _, p := range parts {
		blob, err := h.s.blobs.Open(p.Blob)
		if err != nil {
			return "", err
		}
		_, err = io.CopyBuffer(teeWriter{w, sink}, onlyReader{blob}, *bp)
		blob.Close()
		if err != nil {
			return "", awserr.Internal(err)
		}
	}
	id, _, err := w.Commit()
	if err != nil {
		return "", awserr.Internal(err)
	}
	return id, nil
}

// objectURL returns the Location of an object, in the style the request
// used.
func objectURL(info *request.Info, bucketName, key string) string {
	scheme := info.Scheme
	if scheme == "" {
		scheme = "http"
	}
	host := info.Host
	if strings.HasPrefix(hostOnly(host), bucketName+".") {
		return scheme + "://" + host + "/" + escapePath(key)
	}
	return scheme + "://" + host + "/" + bucketName + "/" + escapePath(key)
}

// escapePath percent-encodes a key for a URL path, keeping slashes.
func escapePath(key string) string {
	return strings.ReplaceAll(urlEncoder(true).enc(key), "+", "%20")
}

// AbortMultipartUpload discards an upload and its parts.
func (h *handler) AbortMultipartUpload(ctx context.Context, in *api.AbortMultipartUploadRequest) (*api.AbortMultipartUploadOutput, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	uploadID := str(in.UploadId)
	b.mu.Lock()
	u, err := findUpload(b, str(in.Key), uploadID)
	if err == nil && in.IfMatchInitiatedTime != nil && !in.IfMatchInitiatedTime.Equal(u.Initiated) {
		err = errPreconditionFailed("x-amz-if-match-initiated-time")
	}
	if err == nil {
		err = h.s.forgetUpload(b, uploadID)
	}
	if err != nil {
		b.mu.Unlock()
		return nil, err
	}
	delete(b.uploads, uploadID)
	b.mu.Unlock()
	for _, p := range u.Parts {
		h.s.removeBlob(p.Blob)
	}
	return &api.AbortMultipartUploadOutput{}, nil
}

// ListMultipartUploads lists uploads in progress by key, then initiation.
func (h *handler) ListMultipartUploads(ctx context.Context, in *api.ListMultipartUploadsRequest) (*api.ListMultipartUploadsOutput, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	max, err := pageSize(in.MaxUploads)
	if err != nil {
		return nil, err
	}
	prefix, delim := str(in.Prefix), str(in.Delimiter)
	keyMarker, idMarker := str(in.KeyMarker), str(in.UploadIdMarker)
	enc := urlEncoder(str(in.EncodingType) == "url")
	b.mu.RLock()
	all := make([]*upload, 0, len(b.uploads))
	for _, u := range b.uploads {
		if strings.HasPrefix(u.Key, prefix) {
			all = append(all, u)
		}
	}
	b.mu.RUnlock()
	sort.Slice(all, func(i, j int) bool {
		if all[i].Key != all[j].Key {
			return all[i].Key < all[j].Key
		}
		if !all[i].Initiated.Equal(all[j].Initiated) {
			return all[i].Initiated.Before(all[j].Initiated)
		}
		return all[i].ID < all[j].ID
	})
	start := 0
	if keyMarker != "" {
		start = sort.Search(len(all), func(i int) bool { return all[i].Key > keyMarker })
		if idMarker != "" {
			for i, u := range all {
				if u.Key == keyMarker && u.ID == idMarker {
					start = i + 1
					break
				}
			}
		}
	}
	mu := int32(maxListKeys)
	if in.MaxUploads != nil {
		mu = *in.MaxUploads
	}
	out := &api.ListMultipartUploadsOutput{
		Bucket: &b.name, KeyMarker: ptr(enc.enc(keyMarker)), UploadIdMarker: ptr(idMarker),
		Prefix: ptr(enc.enc(prefix)), Delimiter: enc.ptr(in.Delimiter), MaxUploads: &mu, EncodingType: in.EncodingType,
	}
	count := 0
	truncated := false
	var lastKey, lastID string
	seenPrefix := map[string]bool{}
	for i := start; i < len(all); i++ {
		u := all[i]
		if cp, ok := commonPrefix(u.Key, prefix, delim); ok {
			if seenPrefix[cp] || cp <= keyMarker {
				continue
			}
			if count == max {
				truncated = true
				break
			}
			seenPrefix[cp] = true
			out.CommonPrefixes = append(out.CommonPrefixes, api.CommonPrefix{Prefix: ptr(enc.enc(cp))})
			count++
			lastKey, lastID = cp, ""
			continue
		}
		if count == max {
			truncated = true
			break
		}
		o := owner(u.Meta.Owner)
		out.Uploads = append(out.Uploads, api.MultipartUpload{
			UploadId: ptr(u.ID), Key: ptr(enc.enc(u.Key)), Initiated: ptr(u.Initiated),
			StorageClass: ptr(u.Meta.StorageClass), Owner: o, Initiator: &api.Initiator{ID: o.ID},
			ChecksumAlgorithm: strOrNil(u.Meta.ChecksumAlgorithm), ChecksumType: strOrNil(u.Meta.ChecksumType),
		})
		count++
		lastKey, lastID = u.Key, u.ID
	}
	out.IsTruncated = ptr(truncated)
	if truncated {
		out.NextKeyMarker = ptr(enc.enc(lastKey))
		out.NextUploadIdMarker = strOrNil(lastID)
	}
	return out, nil
}

// ListParts lists an upload's parts by number.
func (h *handler) ListParts(ctx context.Context, in *api.ListPartsRequest) (*api.ListPartsOutput, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	max := maxListParts
	if in.MaxParts != nil {
		if *in.MaxParts < 0 {
			return nil, errInvalidArgument("Argument max-parts must be an integer between 0 and 2147483647", "max-parts", itoa(int64(*in.MaxParts)))
		}
		max = min(int(*in.MaxParts), maxListParts)
	}
	var marker int32
	if in.PartNumberMarker != nil {
		marker = *in.PartNumberMarker
	}
	key, uploadID := str(in.Key), str(in.UploadId)
	b.mu.RLock()
	u, err := findUpload(b, key, uploadID)
	if err != nil {
		b.mu.RUnlock()
		return nil, err
	}
	parts := make([]*part, 0, len(u.Parts))
	for _, p := range u.Parts {
		if p.Number > marker {
			parts = append(parts, p)
		}
	}
	meta := u.Meta
	b.mu.RUnlock()
	sort.Slice(parts, func(i, j int) bool { return parts[i].Number < parts[j].Number })
	truncated := len(parts) > max
	if truncated {
		parts = parts[:max]
	}
	mp := int32(maxListParts)
	if in.MaxParts != nil {
		mp = *in.MaxParts
	}
	o := owner(meta.Owner)
	out := &api.ListPartsOutput{
		Bucket: &b.name, Key: &key, UploadId: &uploadID, PartNumberMarker: ptr(marker), MaxParts: &mp,
		IsTruncated: ptr(truncated), Owner: o, Initiator: &api.Initiator{ID: o.ID},
		StorageClass: ptr(meta.StorageClass), ChecksumAlgorithm: strOrNil(meta.ChecksumAlgorithm),
		ChecksumType: strOrNil(meta.ChecksumType),
	}
	for _, p := range parts {
		row := api.Part{PartNumber: ptr(p.Number), LastModified: ptr(p.LastModified), ETag: ptr(p.ETag), Size: ptr(p.Size)}
		var f checksumFields
		setChecksum(&f, meta.ChecksumAlgorithm, p.Checksum)
		row.ChecksumCRC32, row.ChecksumCRC32C, row.ChecksumCRC64NVME = f.CRC32, f.CRC32C, f.CRC64NVME
		row.ChecksumSHA1, row.ChecksumSHA256 = f.SHA1, f.SHA256
		out.Parts = append(out.Parts, row)
	}
	if len(parts) > 0 {
		out.NextPartNumberMarker = ptr(parts[len(parts)-1].Number)
	}
	return out, nil
}
