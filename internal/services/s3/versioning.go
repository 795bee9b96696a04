package s3

import (
	"context"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/s3/api"
)

// PutBucketVersioning enables or suspends versioning. A bucket never goes
// back to unversioned; Object Lock buckets stay enabled.
func (h *handler) PutBucketVersioning(ctx context.Context, in *api.PutBucketVersioningRequest) (*api.Empty, error) {
	vc := in.VersioningConfiguration
	if vc == nil {
		return nil, errMalformedXML()
	}
	status, mfa := str(vc.Status), str(vc.MFADelete)
	if status != "" && status != "Enabled" && status != "Suspended" {
		return nil, errMalformedXML()
	}
	if mfa != "" && mfa != "Enabled" && mfa != "Disabled" {
		return nil, errMalformedXML()
	}
	if mfa == "Enabled" {
		return nil, errNotImplemented("PutBucketVersioning with MFA delete")
	}
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		if c.ObjectLock && status == "Suspended" {
			return awserr.New("InvalidBucketState", 409, "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.")
		}
		if status != "" {
			c.Versioning = status
		}
		if mfa != "" {
			c.MFADelete = mfa
		}
		return nil
	})
}

// GetBucketVersioning returns the versioning state; empty for buckets that
// never had versioning.
func (h *handler) GetBucketVersioning(ctx context.Context, in *api.GetBucketVersioningRequest) (*api.GetBucketVersioningOutput, error) {
	c, err := h.config(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	return &api.GetBucketVersioningOutput{Status: strOrNil(c.Versioning), MFADelete: strOrNil(c.MFADelete)}, nil
}

// ListObjectVersions lists every version and delete marker, keys in order
// and each key's versions newest first, paged by key-marker and
// version-id-marker.
func (h *handler) ListObjectVersions(ctx context.Context, in *api.ListObjectVersionsRequest) (*api.ListObjectVersionsOutput, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	max, err := pageSize(in.MaxKeys)
	if err != nil {
		return nil, err
	}
	keyMarker, vidMarker := str(in.KeyMarker), str(in.VersionIdMarker)
	if vidMarker != "" && keyMarker == "" {
		return nil, errInvalidArgument("A version-id marker cannot be specified without a key marker.", "version-id-marker", vidMarker)
	}
	prefix, delim := str(in.Prefix), str(in.Delimiter)
	enc := urlEncoder(str(in.EncodingType) == "url")
	mk := int32(maxListKeys)
	if in.MaxKeys != nil {
		mk = *in.MaxKeys
	}
	out := &api.ListObjectVersionsOutput{
		Name: &b.name, Prefix: ptr(enc.enc(prefix)), Delimiter: enc.ptr(in.Delimiter), MaxKeys: &mk,
		KeyMarker: ptr(enc.enc(keyMarker)), VersionIdMarker: ptr(vidMarker), EncodingType: in.EncodingType,
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if vidMarker != "" && !validVersionID(vidMarker) {
		return nil, errInvalidArgument("Invalid version id specified", "version-id-marker", vidMarker)
	}
	var cur cursor
	switch {
	case keyMarker == "" || keyMarker < prefix:
		cur = b.index.seek(prefix)
	case vidMarker != "":
		cur = b.index.seek(keyMarker)
	default:
		cur = b.index.seekAfter(keyMarker)
	}
	count := 0
	truncated := false
	var lastKey, lastVid string
	stop := func() { truncated = true }
outer:
	for e := cur.entry(); e != nil; e = cur.entry() {
		if !hasPrefix(e.key, prefix) {
			break
		}
		if cp, ok := commonPrefix(e.key, prefix, delim); ok {
			if cp <= keyMarker {
				end := prefixEnd(cp)
				if end == "" {
					break
				}
				cur = b.index.seek(end)
				continue
			}
			if count == max {
				stop()
				break
			}
			out.CommonPrefixes = append(out.CommonPrefixes, api.CommonPrefix{Prefix: ptr(enc.enc(cp))})
			count++
			lastKey, lastVid = cp, ""
			end := prefixEnd(cp)
			if end == "" {
				break
			}
			cur = b.index.seek(end)
			continue
		}
		versions := e.versions
		if e.key == keyMarker && vidMarker != "" {
			_, i := e.find(vidMarker)
			if i < 0 {
				cur.next()
				continue
			}
			versions = versions[i+1:]
		}
		for _, v := range versions {
			if count == max {
				stop()
				break outer
			}
			latest := v == e.versions[0]
			if v.DeleteMarker {
				out.DeleteMarkers = append(out.DeleteMarkers, api.DeleteMarkerEntry{
					Key: ptr(enc.enc(e.key)), VersionId: ptr(v.ID), IsLatest: ptr(latest),
					LastModified: ptr(v.LastModified), Owner: owner(ownerOf(ctx, v)),
				})
			} else {
				ov := api.ObjectVersion{
					Key: ptr(enc.enc(e.key)), VersionId: ptr(v.ID), IsLatest: ptr(latest),
					LastModified: ptr(v.LastModified), ETag: ptr(v.ETag), Size: ptr(v.Size),
					StorageClass: ptr(v.StorageClass), Owner: owner(ownerOf(ctx, v)),
				}
				if v.ChecksumAlgorithm != "" {
					ov.ChecksumAlgorithm = []string{v.ChecksumAlgorithm}
					ov.ChecksumType = strOrNil(v.ChecksumType)
				}
				out.Versions = append(out.Versions, ov)
			}
			count++
			lastKey, lastVid = e.key, v.ID
		}
		cur.next()
	}
	out.IsTruncated = ptr(truncated)
	if truncated {
		out.NextKeyMarker = ptr(enc.enc(lastKey))
		if lastVid != "" {
			out.NextVersionIdMarker = ptr(lastVid)
		}
	}
	return out, nil
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }
