package s3

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/s3/api"
)

// config returns a copy of the bucket's configuration.
func (h *handler) config(name, expectedOwner *string) (bucketConfig, error) {
	b, err := h.lookup(name, expectedOwner)
	if err != nil {
		return bucketConfig{}, err
	}
	b.mu.RLock()
	c := b.cfg
	b.mu.RUnlock()
	return c, nil
}

// updateConfig changes the bucket's configuration under its lock and
// journals it.
func (h *handler) updateConfig(name, expectedOwner *string, f func(c *bucketConfig) error) (*api.Empty, error) {
	b, err := h.lookup(name, expectedOwner)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.cfg
	if err := f(&c); err != nil {
		return nil, err
	}
	old := b.cfg
	b.cfg = c
	if err := h.s.persistBucket(b); err != nil {
		b.cfg = old
		return nil, err
	}
	return &api.Empty{}, nil
}

// PutBucketPolicy stores a bucket policy; it must be a JSON object with a
// Statement. (Virga stores policies; enforcing them is the IAM layer's.)
func (h *handler) PutBucketPolicy(ctx context.Context, in *api.PutBucketPolicyRequest) (*api.Empty, error) {
	p := strings.TrimSpace(str(in.Policy))
	if !strings.HasPrefix(p, "{") || !json.Valid([]byte(p)) {
		return nil, awserr.New("MalformedPolicy", 400, "Policies must be valid JSON and the first byte must be '{'")
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(p), &doc); err != nil {
		return nil, awserr.New("MalformedPolicy", 400, "Policies must be valid JSON and the first byte must be '{'")
	}
	if _, ok := doc["Statement"]; !ok {
		return nil, awserr.New("MalformedPolicy", 400, "Missing required field Statement")
	}
	policy := str(in.Policy)
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.Policy = &policy
		return nil
	})
}

// GetBucketPolicy returns the bucket policy as stored.
func (h *handler) GetBucketPolicy(ctx context.Context, in *api.GetBucketPolicyRequest) (*api.GetBucketPolicyOutput, error) {
	c, err := h.config(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if c.Policy == nil {
		return nil, notFound("NoSuchBucketPolicy", "The bucket policy does not exist", str(in.Bucket))
	}
	return &api.GetBucketPolicyOutput{Policy: c.Policy}, nil
}

// DeleteBucketPolicy removes the bucket policy.
func (h *handler) DeleteBucketPolicy(ctx context.Context, in *api.DeleteBucketPolicyRequest) (*api.Empty, error) {
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.Policy = nil
		return nil
	})
}

// maxCORSRules is the number of rules a CORS configuration may hold
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html).
const maxCORSRules = 100

var corsMethods = map[string]bool{"GET": true, "PUT": true, "HEAD": true, "POST": true, "DELETE": true}

// PutBucketCors stores a CORS configuration after S3's checks.
func (h *handler) PutBucketCors(ctx context.Context, in *api.PutBucketCorsRequest) (*api.Empty, error) {
	if in.CORSConfiguration == nil || len(in.CORSConfiguration.CORSRules) == 0 {
		return nil, errMalformedXML()
	}
	rules := in.CORSConfiguration.CORSRules
	if len(rules) > maxCORSRules {
		// The rule count is bounded by S3's schema: too many is MalformedXML.
		return nil, errMalformedXML()
	}
	for _, r := range rules {
		if len(r.AllowedMethods) == 0 || len(r.AllowedOrigins) == 0 {
			return nil, errMalformedXML()
		}
		for _, m := range r.AllowedMethods {
			if !corsMethods[m] {
				return nil, errInvalidRequest("Found unsupported HTTP method in CORS config. Unsupported method is " + m)
			}
		}
		for _, o := range r.AllowedOrigins {
			if strings.Count(o, "*") > 1 {
				return nil, errInvalidRequest(`AllowedOrigin "` + o + `" can not have more than one wildcard.`)
			}
		}
		for _, hd := range r.AllowedHeaders {
			if strings.Count(hd, "*") > 1 {
				return nil, errInvalidRequest(`AllowedHeader "` + hd + `" can not have more than one wildcard.`)
			}
		}
	}
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.CORS = rules
		return nil
	})
}

// GetBucketCors returns the CORS rules.
func (h *handler) GetBucketCors(ctx context.Context, in *api.GetBucketCorsRequest) (*api.GetBucketCorsOutput, error) {
	c, err := h.config(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if len(c.CORS) == 0 {
		return nil, notFound("NoSuchCORSConfiguration", "The CORS configuration does not exist", str(in.Bucket))
	}
	return &api.GetBucketCorsOutput{CORSRules: c.CORS}, nil
}

// DeleteBucketCors removes the CORS rules.
func (h *handler) DeleteBucketCors(ctx context.Context, in *api.DeleteBucketCorsRequest) (*api.Empty, error) {
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.CORS = nil
		return nil
	})
}

// maxLifecycleRules is the number of rules a lifecycle configuration may
// hold (https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html).
const maxLifecycleRules = 1000

// PutBucketLifecycleConfiguration stores lifecycle rules. Virga does not
// expire or transition objects by them.
func (h *handler) PutBucketLifecycleConfiguration(ctx context.Context, in *api.PutBucketLifecycleConfigurationRequest) (*api.PutBucketLifecycleConfigurationOutput, error) {
	if in.LifecycleConfiguration == nil || len(in.LifecycleConfiguration.Rules) == 0 {
		return nil, errMalformedXML()
	}
	rules := in.LifecycleConfiguration.Rules
	if len(rules) > maxLifecycleRules {
		// S3 answers MalformedXML past 1000 rules (its schema's bound).
		return nil, errMalformedXML()
	}
	ids := map[string]bool{}
	for _, r := range rules {
		id := str(r.ID)
		if len(id) > 255 {
			return nil, errInvalidArgument("ID length should not exceed allowed limit of 255", "ID", id)
		}
		if id != "" && ids[id] {
			return nil, errInvalidArgument("Rule ID must be unique. Found same ID for more than one rule", "ID", id)
		}
		ids[id] = true
		if r.Prefix != nil && r.Filter != nil {
			return nil, errMalformedXML()
		}
		if r.Expiration == nil && len(r.Transitions) == 0 && r.NoncurrentVersionExpiration == nil &&
			len(r.NoncurrentVersionTransitions) == 0 && r.AbortIncompleteMultipartUpload == nil {
			return nil, errInvalidRequest("At least one action needs to be specified in a rule")
		}
	}
	if _, err := h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.Lifecycle, c.HasLifecycle = rules, true
		return nil
	}); err != nil {
		return nil, err
	}
	size := str(in.TransitionDefaultMinimumObjectSize)
	if size == "" {
		size = "all_storage_classes_128K"
	}
	return &api.PutBucketLifecycleConfigurationOutput{TransitionDefaultMinimumObjectSize: &size}, nil
}

// GetBucketLifecycleConfiguration returns the lifecycle rules.
func (h *handler) GetBucketLifecycleConfiguration(ctx context.Context, in *api.GetBucketLifecycleConfigurationRequest) (*api.GetBucketLifecycleConfigurationOutput, error) {
	c, err := h.config(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if !c.HasLifecycle {
		return nil, notFound("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", str(in.Bucket))
	}
	return &api.GetBucketLifecycleConfigurationOutput{Rules: c.Lifecycle, TransitionDefaultMinimumObjectSize: ptr("all_storage_classes_128K")}, nil
}

// DeleteBucketLifecycle removes the lifecycle rules.
func (h *handler) DeleteBucketLifecycle(ctx context.Context, in *api.DeleteBucketLifecycleRequest) (*api.Empty, error) {
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.Lifecycle, c.HasLifecycle = nil, false
		return nil
	})
}

// PutBucketNotificationConfiguration stores the notification
// configuration. (Virga stores it; delivering events is not done yet.)
func (h *handler) PutBucketNotificationConfiguration(ctx context.Context, in *api.PutBucketNotificationConfigurationRequest) (*api.Empty, error) {
	nc := in.NotificationConfiguration
	if nc == nil {
		nc = &api.NotificationConfiguration{}
	}
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.Notification = nc
		return nil
	})
}

// GetBucketNotificationConfiguration returns the notification
// configuration, empty by default.
func (h *handler) GetBucketNotificationConfiguration(ctx context.Context, in *api.GetBucketNotificationConfigurationRequest) (*api.NotificationConfiguration, error) {
	c, err := h.config(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if c.Notification == nil {
		return &api.NotificationConfiguration{}, nil
	}
	return c.Notification, nil
}

// PutBucketEncryption sets the default encryption.
func (h *handler) PutBucketEncryption(ctx context.Context, in *api.PutBucketEncryptionRequest) (*api.Empty, error) {
	cfg := in.ServerSideEncryptionConfiguration
	if cfg == nil || len(cfg.Rules) == 0 {
		return nil, errMalformedXML()
	}
	for _, r := range cfg.Rules {
		d := r.ApplyServerSideEncryptionByDefault
		if d == nil {
			continue
		}
		if str(d.SSEAlgorithm) == api.ServerSideEncryptionAES256 && d.KMSMasterKeyID != nil {
			return nil, errInvalidArgument("a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse", "ApplyServerSideEncryptionByDefault", "")
		}
	}
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.Encryption = cfg
		return nil
	})
}

// GetBucketEncryption returns the default encryption (SSE-S3 unless set).
func (h *handler) GetBucketEncryption(ctx context.Context, in *api.GetBucketEncryptionRequest) (*api.GetBucketEncryptionOutput, error) {
	c, err := h.config(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	return &api.GetBucketEncryptionOutput{ServerSideEncryptionConfiguration: c.Encryption}, nil
}

// DeleteBucketEncryption resets the default encryption to SSE-S3, as S3
// does since January 2023.
func (h *handler) DeleteBucketEncryption(ctx context.Context, in *api.DeleteBucketEncryptionRequest) (*api.Empty, error) {
	def := h.s.newBucket("", "", "").cfg.Encryption
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.Encryption = def
		return nil
	})
}

// ownerACL returns the default ACL: the owner has FULL_CONTROL.
func ownerACL(account string) *api.AccessControlPolicy {
	o := owner(account)
	return &api.AccessControlPolicy{
		Owner: o,
		Grants: []api.Grant{{
			Grantee:    &api.Grantee{ID: o.ID, Type: ptr("CanonicalUser")},
			Permission: ptr("FULL_CONTROL"),
		}},
	}
}

// GetBucketAcl returns the bucket ACL.
func (h *handler) GetBucketAcl(ctx context.Context, in *api.GetBucketAclRequest) (*api.GetBucketAclOutput, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	b.mu.RLock()
	acl := b.cfg.ACL
	b.mu.RUnlock()
	if acl == nil {
		acl = ownerACL(b.account)
	}
	return &api.GetBucketAclOutput{Owner: acl.Owner, Grants: acl.Grants}, nil
}

// PutBucketAcl sets the bucket ACL; buckets whose ownership is
// BucketOwnerEnforced accept only the private ACL.
func (h *handler) PutBucketAcl(ctx context.Context, in *api.PutBucketAclRequest) (*api.Empty, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		if c.Ownership == "BucketOwnerEnforced" {
			if (in.ACL != nil && *in.ACL != "private") || in.GrantRead != nil || in.GrantWrite != nil ||
				in.GrantReadACP != nil || in.GrantWriteACP != nil || in.GrantFullControl != nil ||
				(in.AccessControlPolicy != nil && !ownerOnly(in.AccessControlPolicy, b.account)) {
				return awserr.New("AccessControlListNotSupported", 400, "The bucket does not allow ACLs")
			}
		}
		switch {
		case in.AccessControlPolicy != nil:
			c.ACL = in.AccessControlPolicy
		default:
			c.ACL = nil
		}
		return nil
	})
}

// ownerOnly reports whether an ACL grants only the owner FULL_CONTROL.
func ownerOnly(p *api.AccessControlPolicy, account string) bool {
	id := canonicalID(account)
	for _, g := range p.Grants {
		if g.Grantee == nil || str(g.Grantee.ID) != id || str(g.Permission) != "FULL_CONTROL" {
			return false
		}
	}
	return true
}

// GetObjectAcl returns an object's ACL: the bucket owner has FULL_CONTROL.
func (h *handler) GetObjectAcl(ctx context.Context, in *api.GetObjectAclRequest) (*api.GetObjectAclOutput, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	v, err := readTarget(b, str(in.Key), str(in.VersionId), "GET")
	if err != nil {
		return nil, err
	}
	account := v.Owner
	if b.cfg.Ownership == "BucketOwnerEnforced" || account == "" {
		account = b.account
	}
	acl := ownerACL(account)
	return &api.GetObjectAclOutput{Owner: acl.Owner, Grants: acl.Grants}, nil
}

// PutObjectAcl accepts only the owner-only ACL (Virga does not keep
// per-object grants); buckets with ACLs disabled reject others as S3 does.
func (h *handler) PutObjectAcl(ctx context.Context, in *api.PutObjectAclRequest) (*api.PutObjectAclOutput, error) {
	b, err := h.lookup(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if _, err := readTarget(b, str(in.Key), str(in.VersionId), "PUT"); err != nil {
		return nil, err
	}
	if err := checkObjectACL(b, in.ACL, in.GrantFullControl, in.GrantRead, in.GrantReadACP, in.GrantWriteACP); err != nil {
		return nil, err
	}
	if b.cfg.Ownership == "BucketOwnerEnforced" && in.AccessControlPolicy != nil && !ownerOnly(in.AccessControlPolicy, b.account) {
		return nil, awserr.New("AccessControlListNotSupported", 400, "The bucket does not allow ACLs")
	}
	if b.cfg.Ownership != "BucketOwnerEnforced" && (in.AccessControlPolicy != nil || (in.ACL != nil && *in.ACL != "private")) {
		return nil, errNotImplemented("PutObjectAcl with grants")
	}
	return &api.PutObjectAclOutput{}, nil
}

// PutPublicAccessBlock sets the bucket's Block Public Access settings.
func (h *handler) PutPublicAccessBlock(ctx context.Context, in *api.PutPublicAccessBlockRequest) (*api.Empty, error) {
	if in.PublicAccessBlockConfiguration == nil {
		return nil, errMalformedXML()
	}
	f := false
	p := *in.PublicAccessBlockConfiguration
	for _, b := range []**bool{&p.BlockPublicAcls, &p.IgnorePublicAcls, &p.BlockPublicPolicy, &p.RestrictPublicBuckets} {
		if *b == nil {
			*b = &f
		}
	}
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.PublicAccessBlock = &p
		return nil
	})
}

// GetPublicAccessBlock returns the Block Public Access settings (all on for
// new buckets since April 2023).
func (h *handler) GetPublicAccessBlock(ctx context.Context, in *api.GetPublicAccessBlockRequest) (*api.GetPublicAccessBlockOutput, error) {
	c, err := h.config(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if c.PublicAccessBlock == nil {
		return nil, notFound("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found", str(in.Bucket))
	}
	return &api.GetPublicAccessBlockOutput{PublicAccessBlockConfiguration: c.PublicAccessBlock}, nil
}

// DeletePublicAccessBlock removes the Block Public Access settings.
func (h *handler) DeletePublicAccessBlock(ctx context.Context, in *api.DeletePublicAccessBlockRequest) (*api.Empty, error) {
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.PublicAccessBlock = nil
		return nil
	})
}

// PutBucketOwnershipControls sets Object Ownership.
func (h *handler) PutBucketOwnershipControls(ctx context.Context, in *api.PutBucketOwnershipControlsRequest) (*api.Empty, error) {
	oc := in.OwnershipControls
	if oc == nil || len(oc.Rules) != 1 || oc.Rules[0].ObjectOwnership == nil {
		return nil, errMalformedXML()
	}
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.Ownership = *oc.Rules[0].ObjectOwnership
		return nil
	})
}

// GetBucketOwnershipControls returns Object Ownership
// (BucketOwnerEnforced for new buckets).
func (h *handler) GetBucketOwnershipControls(ctx context.Context, in *api.GetBucketOwnershipControlsRequest) (*api.GetBucketOwnershipControlsOutput, error) {
	c, err := h.config(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if c.Ownership == "" {
		return nil, notFound("OwnershipControlsNotFoundError", "The bucket ownership controls were not found", str(in.Bucket))
	}
	return &api.GetBucketOwnershipControlsOutput{OwnershipControls: &api.OwnershipControls{
		Rules: []api.OwnershipControlsRule{{ObjectOwnership: ptr(c.Ownership)}},
	}}, nil
}

// DeleteBucketOwnershipControls removes Object Ownership settings.
func (h *handler) DeleteBucketOwnershipControls(ctx context.Context, in *api.DeleteBucketOwnershipControlsRequest) (*api.Empty, error) {
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.Ownership = ""
		return nil
	})
}

// PutBucketWebsite stores a website configuration. (Virga does not serve
// website endpoints.)
func (h *handler) PutBucketWebsite(ctx context.Context, in *api.PutBucketWebsiteRequest) (*api.Empty, error) {
	w := in.WebsiteConfiguration
	if w == nil || (w.IndexDocument == nil && w.RedirectAllRequestsTo == nil) {
		return nil, errInvalidArgument("A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty", "IndexDocument", "")
	}
	if w.RedirectAllRequestsTo != nil && (w.IndexDocument != nil || w.ErrorDocument != nil || len(w.RoutingRules) > 0) {
		return nil, errInvalidArgument("RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.", "RedirectAllRequestsTo", "")
	}
	if w.IndexDocument != nil {
		s := str(w.IndexDocument.Suffix)
		if s == "" || strings.Contains(s, "/") {
			return nil, errInvalidArgument("The IndexDocument Suffix is not well formed", "IndexDocument", s)
		}
	}
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.Website = w
		return nil
	})
}

// GetBucketWebsite returns the website configuration.
func (h *handler) GetBucketWebsite(ctx context.Context, in *api.GetBucketWebsiteRequest) (*api.GetBucketWebsiteOutput, error) {
	c, err := h.config(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	w := c.Website
	if w == nil {
		return nil, notFound("NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration", str(in.Bucket))
	}
	return &api.GetBucketWebsiteOutput{RedirectAllRequestsTo: w.RedirectAllRequestsTo, IndexDocument: w.IndexDocument,
		ErrorDocument: w.ErrorDocument, RoutingRules: w.RoutingRules}, nil
}

// DeleteBucketWebsite removes the website configuration.
func (h *handler) DeleteBucketWebsite(ctx context.Context, in *api.DeleteBucketWebsiteRequest) (*api.Empty, error) {
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.Website = nil
		return nil
	})
}

// PutBucketLogging stores server access logging settings (Virga writes no
// access logs); the target bucket must exist.
func (h *handler) PutBucketLogging(ctx context.Context, in *api.PutBucketLoggingRequest) (*api.Empty, error) {
	var le *api.LoggingEnabled
	if in.BucketLoggingStatus != nil {
		le = in.BucketLoggingStatus.LoggingEnabled
	}
	if le != nil {
		target := str(le.TargetBucket)
		if h.s.bucket(target) == nil {
			return nil, awserr.New("InvalidTargetBucketForLogging", 400, "The target bucket for logging does not exist").With("TargetBucket", target)
		}
	}
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.Logging = le
		return nil
	})
}

// GetBucketLogging returns the logging settings (none by default).
func (h *handler) GetBucketLogging(ctx context.Context, in *api.GetBucketLoggingRequest) (*api.GetBucketLoggingOutput, error) {
	c, err := h.config(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	return &api.GetBucketLoggingOutput{LoggingEnabled: c.Logging}, nil
}

// PutBucketAccelerateConfiguration sets Transfer Acceleration, which S3
// refuses for bucket names with dots.
func (h *handler) PutBucketAccelerateConfiguration(ctx context.Context, in *api.PutBucketAccelerateConfigurationRequest) (*api.Empty, error) {
	if strings.Contains(str(in.Bucket), ".") {
		return nil, errInvalidRequest("S3 Transfer Acceleration is not supported for buckets with periods (.) in their names")
	}
	status := ""
	if in.AccelerateConfiguration != nil {
		status = str(in.AccelerateConfiguration.Status)
	}
	if status != "Enabled" && status != "Suspended" {
		return nil, errMalformedXML()
	}
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.Accelerate = status
		return nil
	})
}

// GetBucketAccelerateConfiguration returns the Transfer Acceleration state.
func (h *handler) GetBucketAccelerateConfiguration(ctx context.Context, in *api.GetBucketAccelerateConfigurationRequest) (*api.GetBucketAccelerateConfigurationOutput, error) {
	c, err := h.config(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	return &api.GetBucketAccelerateConfigurationOutput{Status: strOrNil(c.Accelerate)}, nil
}

// PutBucketRequestPayment sets who pays for requests.
func (h *handler) PutBucketRequestPayment(ctx context.Context, in *api.PutBucketRequestPaymentRequest) (*api.Empty, error) {
	if in.RequestPaymentConfiguration == nil || in.RequestPaymentConfiguration.Payer == nil {
		return nil, errMalformedXML()
	}
	payer := *in.RequestPaymentConfiguration.Payer
	return h.updateConfig(in.Bucket, in.ExpectedBucketOwner, func(c *bucketConfig) error {
		c.Payer = payer
		return nil
	})
}

// GetBucketRequestPayment returns who pays (BucketOwner by default).
func (h *handler) GetBucketRequestPayment(ctx context.Context, in *api.GetBucketRequestPaymentRequest) (*api.GetBucketRequestPaymentOutput, error) {
	c, err := h.config(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	payer := c.Payer
	if payer == "" {
		payer = "BucketOwner"
	}
	return &api.GetBucketRequestPaymentOutput{Payer: &payer}, nil
}

// GetObjectLockConfiguration reports whether Object Lock is enabled.
// (Retention and legal holds are not implemented.)
func (h *handler) GetObjectLockConfiguration(ctx context.Context, in *api.GetObjectLockConfigurationRequest) (*api.GetObjectLockConfigurationOutput, error) {
	c, err := h.config(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if !c.ObjectLock {
		return nil, notFound("ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket", str(in.Bucket))
	}
	return &api.GetObjectLockConfigurationOutput{ObjectLockConfiguration: &api.ObjectLockConfiguration{ObjectLockEnabled: ptr("Enabled")}}, nil
}
