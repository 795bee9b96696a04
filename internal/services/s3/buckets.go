package s3

import (
	"context"
	"encoding/base64"
	"net"
	"sort"
	"strings"
	"sync"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/request"
	"github.com/virga-aws/virga/internal/services/s3/api"
)

// lookup returns the named bucket, NoSuchBucket, or AccessDenied when the
// request's x-amz-expected-bucket-owner names another account.
func (h *handler) lookup(name, expectedOwner *string) (*bucket, error) {
	b := h.s.bucket(str(name))
	if b == nil {
		return nil, errNoSuchBucket(str(name))
	}
	if expectedOwner != nil && *expectedOwner != b.account {
		return nil, errAccessDenied()
	}
	return b, nil
}

// validBucketName applies the naming rules of general purpose buckets
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
func validBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	if !isAlnum(name[0]) || !isAlnum(name[len(name)-1]) {
		return false
	}
	if strings.Contains(name, "..") {
		return false
	}
	if ip := net.ParseIP(name); ip != nil && ip.To4() != nil {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

var (
	regionsOnce sync.Once
	regions     map[string]bool
)

// knownRegion reports whether r is a value of the model's
// BucketLocationConstraint enum.
func knownRegion(r string) bool {
	regionsOnce.Do(func() {
		regions = map[string]bool{}
		if m, err := model.Load("s3"); err == nil {
			if s := m.Shapes["BucketLocationConstraint"]; s != nil {
				for _, v := range s.Enum {
					regions[v] = true
				}
			}
		}
		regions["us-east-1"] = true
	})
	return regions[r]
}

// CreateBucket creates a bucket in the caller's account. The location
// rules are AWS's: a us-east-1 request takes no constraint (or any other
// region's, as the global endpoint does); a request to another region must
// name that region.
func (h *handler) CreateBucket(ctx context.Context, in *api.CreateBucketRequest) (*api.CreateBucketOutput, error) {
	info := request.From(ctx)
	name := str(in.Bucket)
	if !validBucketName(name) {
		return nil, errInvalidBucketName(name)
	}
	var lc string
	if in.CreateBucketConfiguration != nil {
		lc = str(in.CreateBucketConfiguration.LocationConstraint)
	}
	region, err := bucketRegion(info.Region, lc)
	if err != nil {
		return nil, err
	}
	ownership := str(in.ObjectOwnership)
	if ownership == "" {
		ownership = "BucketOwnerEnforced"
	}
	if ownership == "BucketOwnerEnforced" && in.ACL != nil && *in.ACL != "private" && *in.ACL != "bucket-owner-full-control" {
		return nil, awserr.New("InvalidBucketAclWithObjectOwnership", 400, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
	}
	b := h.s.newBucket(name, info.Account, region)
	b.cfg.Ownership = ownership
	if in.ObjectLockEnabledForBucket != nil && *in.ObjectLockEnabledForBucket {
		b.cfg.ObjectLock = true
		b.cfg.Versioning = "Enabled"
	}
	if in.CreateBucketConfiguration != nil && len(in.CreateBucketConfiguration.Tags) > 0 {
		if err := checkTags(in.CreateBucketConfiguration.Tags, maxBucketTags); err != nil {
			return nil, err
		}
		b.cfg.Tags, b.cfg.HasTags = in.CreateBucketConfiguration.Tags, true
	}
	existing, err := h.s.addBucket(b)
	if err != nil {
		return nil, err
	}
	if existing != nil {
		if existing.account != info.Account {
			return nil, api.ErrBucketAlreadyExists("The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.").With("BucketName", name)
		}
		// Legacy us-east-1 behaviour: re-creating your own bucket there
		// succeeds.
		if !(existing.region == "us-east-1" && info.Region == "us-east-1") {
			return nil, api.ErrBucketAlreadyOwnedByYou("Your previous request to create the named bucket succeeded and you already own it.").With("BucketName", name)
		}
	}
	out := &api.CreateBucketOutput{BucketArn: ptr("arn:aws:s3:::" + name)}
	if region == "us-east-1" {
		out.Location = ptr("/" + name)
	} else {
		out.Location = ptr(info.Scheme + "://" + name + ".s3." + region + ".amazonaws.com/")
		if host := info.Host; host != "" && !strings.HasSuffix(hostOnly(host), "amazonaws.com") {
			out.Location = ptr(info.Scheme + "://" + name + ".s3.localhost.localstack.cloud" + portOf(host) + "/")
		}
	}
	return out, nil
}

// bucketRegion applies CreateBucket's location-constraint rules.
func bucketRegion(reqRegion, lc string) (string, error) {
	if lc == "EU" {
		lc = "eu-west-1"
	}
	if lc != "" && !knownRegion(lc) {
		return "", awserr.New("InvalidLocationConstraint", 400, "The specified location-constraint is not valid").With("LocationConstraint", lc)
	}
	if reqRegion == "us-east-1" {
		switch lc {
		case "":
			return "us-east-1", nil
		case "us-east-1":
			return "", awserr.New("InvalidLocationConstraint", 400, "The specified location-constraint is not valid").With("LocationConstraint", lc)
		}
		return lc, nil
	}
	if lc == "" {
		return "", awserr.New("IllegalLocationConstraintException", 400, "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
	}
	if lc != reqRegion {
		return "", awserr.Newf("IllegalLocationConstraintException", 400, "The %s location constraint is incompatible for the region specific endpoint this request was sent to.", lc)
	}
	return lc, nil
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

func portOf(hostport string) string {
	if _, p, err := net.SplitHostPort(hostport); err == nil {
		return ":" + p
	}
	return ""
}

// HeadBucket reports whether the bucket exists, and its region.
func (h *handler) HeadBucket(ctx context.Context, in *api.HeadBucketRequest) (*api.HeadBucketOutput, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	return &api.HeadBucketOutput{BucketRegion: &b.region, AccessPointAlias: ptr(false)}, nil
}

// GetBucketLocation returns the bucket's region; us-east-1 is empty and
// eu-west-1 buckets created as "EU" stay "EU" (Virga reports eu-west-1).
func (h *handler) GetBucketLocation(ctx context.Context, in *api.GetBucketLocationRequest) (*api.GetBucketLocationOutput, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	out := &api.GetBucketLocationOutput{}
	if b.region != "us-east-1" {
		out.LocationConstraint = ptr(b.region)
	}
	return out, nil
}

// maxListBuckets is ListBuckets' largest and default page when paginated.
const maxListBuckets = 10000

// ListBuckets lists the caller's buckets in every region, by name.
func (h *handler) ListBuckets(ctx context.Context, in *api.ListBucketsRequest) (*api.ListBucketsOutput, error) {
	info := request.From(ctx)
	limit := maxListBuckets
	if in.MaxBuckets != nil {
		if *in.MaxBuckets < 1 || *in.MaxBuckets > maxListBuckets {
			return nil, errInvalidArgument("Max buckets must be between 1 and 10000", "max-buckets", itoa(int64(*in.MaxBuckets)))
		}
		limit = int(*in.MaxBuckets)
	}
	after := ""
	if in.ContinuationToken != nil {
		raw, err := base64.RawURLEncoding.DecodeString(*in.ContinuationToken)
		if err != nil || len(raw) == 0 {
			return nil, errInvalidArgument("The continuation token provided is incorrect", "continuation-token", *in.ContinuationToken)
		}
		after = string(raw)
	}
	prefix := str(in.Prefix)
	var mine []*bucket
	for _, b := range h.s.listBuckets() {
		if b.account != info.Account || !strings.HasPrefix(b.name, prefix) || b.name <= after {
			continue
		}
		if in.BucketRegion != nil && b.region != *in.BucketRegion {
			continue
		}
		mine = append(mine, b)
	}
	sort.Slice(mine, func(i, j int) bool { return mine[i].name < mine[j].name })
	out := &api.ListBucketsOutput{Owner: owner(info.Account), Buckets: []api.Bucket{}, Prefix: in.Prefix}
	if len(mine) > limit {
		mine = mine[:limit]
		out.ContinuationToken = ptr(base64.RawURLEncoding.EncodeToString([]byte(mine[limit-1].name)))
	}
	for _, b := range mine {
		out.Buckets = append(out.Buckets, api.Bucket{
			Name: ptr(b.name), CreationDate: ptr(b.created), BucketRegion: ptr(b.region),
			BucketArn: ptr("arn:aws:s3:::" + b.name),
		})
	}
	return out, nil
}

// DeleteBucket deletes an empty bucket; incomplete multipart uploads do
// not keep it alive and are discarded with it.
func (h *handler) DeleteBucket(ctx context.Context, in *api.DeleteBucketRequest) (*api.Empty, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	if b.index.len() > 0 {
		b.mu.Unlock()
		return nil, errBucketNotEmpty(b.name)
	}
	if err := h.s.removeBucket(b); err != nil {
		b.mu.Unlock()
		return nil, err
	}
	var drop []string
	for _, u := range b.uploads {
		for _, p := range u.Parts {
			drop = append(drop, p.Blob)
		}
	}
	b.uploads = map[string]*upload{}
	b.gone = true
	b.mu.Unlock()
	for _, id := range drop {
		h.s.removeBlob(id)
	}
	return &api.Empty{}, nil
}
