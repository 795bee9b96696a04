package s3_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/virga-aws/virga/internal/server"
)

func TestBucketConfigurations(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("conf")
	b := aws.String("conf")

	_, err := e.c.GetBucketPolicy(bg, &s3.GetBucketPolicyInput{Bucket: b})
	wantErr(t, err, "NoSuchBucketPolicy", 404)
	_, err = e.c.PutBucketPolicy(bg, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String("not json")})
	wantErr(t, err, "MalformedPolicy", 400)
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::conf/*"}]}`
	if _, err := e.c.PutBucketPolicy(bg, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	gp, err := e.c.GetBucketPolicy(bg, &s3.GetBucketPolicyInput{Bucket: b})
	if err != nil || aws.ToString(gp.Policy) != policy {
		t.Fatalf("GetBucketPolicy = %v %v", gp, err)
	}
	if _, err := e.c.DeleteBucketPolicy(bg, &s3.DeleteBucketPolicyInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}

	_, err = e.c.GetBucketCors(bg, &s3.GetBucketCorsInput{Bucket: b})
	wantErr(t, err, "NoSuchCORSConfiguration", 404)
	rule := types.CORSRule{AllowedMethods: []string{"GET", "PUT"}, AllowedOrigins: []string{"https://*.example.com"}, AllowedHeaders: []string{"*"}, MaxAgeSeconds: aws.Int32(300)}
	if _, err := e.c.PutBucketCors(bg, &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: &types.CORSConfiguration{CORSRules: []types.CORSRule{rule}}}); err != nil {
		t.Fatal(err)
	}
	gc, err := e.c.GetBucketCors(bg, &s3.GetBucketCorsInput{Bucket: b})
	if err != nil || len(gc.CORSRules) != 1 || gc.CORSRules[0].AllowedOrigins[0] != "https://*.example.com" {
		t.Fatalf("GetBucketCors = %+v %v", gc, err)
	}
	var many []types.CORSRule
	for i := 0; i < 101; i++ {
		many = append(many, rule)
	}
	_, err = e.c.PutBucketCors(bg, &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: &types.CORSConfiguration{CORSRules: many}})
	wantErr(t, err, "MalformedXML", 400)
	_, err = e.c.PutBucketCors(bg, &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: &types.CORSConfiguration{CORSRules: []types.CORSRule{{AllowedMethods: []string{"PATCH"}, AllowedOrigins: []string{"*"}}}}})
	wantErr(t, err, "InvalidRequest", 400)

	_, err = e.c.GetBucketLifecycleConfiguration(bg, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
	wantErr(t, err, "NoSuchLifecycleConfiguration", 404)
	lc := &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{ID: aws.String("expire"), Status: types.ExpirationStatusEnabled,
		Filter: &types.LifecycleRuleFilter{Prefix: aws.String("logs/")}, Expiration: &types.LifecycleExpiration{Days: aws.Int32(30)}}}}
	if _, err := e.c.PutBucketLifecycleConfiguration(bg, &s3.PutBucketLifecycleConfigurationInput{Bucket: b, LifecycleConfiguration: lc}); err != nil {
		t.Fatal(err)
	}
	gl, err := e.c.GetBucketLifecycleConfiguration(bg, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
	if err != nil || len(gl.Rules) != 1 || aws.ToInt32(gl.Rules[0].Expiration.Days) != 30 {
		t.Fatalf("GetBucketLifecycleConfiguration = %+v %v", gl, err)
	}

	enc, err := e.c.GetBucketEncryption(bg, &s3.GetBucketEncryptionInput{Bucket: b})
	if err != nil || enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 {
		t.Fatalf("GetBucketEncryption = %+v %v", enc, err)
	}
	acl, err := e.c.GetBucketAcl(bg, &s3.GetBucketAclInput{Bucket: b})
	if err != nil || len(acl.Grants) != 1 || acl.Grants[0].Permission != types.PermissionFullControl || aws.ToString(acl.Grants[0].Grantee.ID) != aws.ToString(acl.Owner.ID) {
		t.Fatalf("GetBucketAcl = %+v %v", acl, err)
	}
	_, err = e.c.PutBucketAcl(bg, &s3.PutBucketAclInput{Bucket: b, ACL: types.BucketCannedACLPublicRead})
	wantErr(t, err, "AccessControlListNotSupported", 400)
	oc, err := e.c.GetBucketOwnershipControls(bg, &s3.GetBucketOwnershipControlsInput{Bucket: b})
	if err != nil || oc.OwnershipControls.Rules[0].ObjectOwnership != types.ObjectOwnershipBucketOwnerEnforced {
		t.Fatalf("GetBucketOwnershipControls = %+v %v", oc, err)
	}
	pab, err := e.c.GetPublicAccessBlock(bg, &s3.GetPublicAccessBlockInput{Bucket: b})
	if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAcls) {
		t.Fatalf("GetPublicAccessBlock = %+v %v", pab, err)
	}
	if _, err := e.c.DeletePublicAccessBlock(bg, &s3.DeletePublicAccessBlockInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.GetPublicAccessBlock(bg, &s3.GetPublicAccessBlockInput{Bucket: b})
	wantErr(t, err, "NoSuchPublicAccessBlockConfiguration", 404)
	nc, err := e.c.GetBucketNotificationConfiguration(bg, &s3.GetBucketNotificationConfigurationInput{Bucket: b})
	if err != nil || len(nc.QueueConfigurations) != 0 {
		t.Fatalf("GetBucketNotificationConfiguration = %+v %v", nc, err)
	}
	_, err = e.c.GetBucketWebsite(bg, &s3.GetBucketWebsiteInput{Bucket: b})
	wantErr(t, err, "NoSuchWebsiteConfiguration", 404)
	if _, err := e.c.PutBucketWebsite(bg, &s3.PutBucketWebsiteInput{Bucket: b, WebsiteConfiguration: &types.WebsiteConfiguration{IndexDocument: &types.IndexDocument{Suffix: aws.String("index.html")}}}); err != nil {
		t.Fatal(err)
	}
	rp, err := e.c.GetBucketRequestPayment(bg, &s3.GetBucketRequestPaymentInput{Bucket: b})
	if err != nil || rp.Payer != types.PayerBucketOwner {
		t.Fatalf("GetBucketRequestPayment = %+v %v", rp, err)
	}
	_, err = e.c.GetObjectLockConfiguration(bg, &s3.GetObjectLockConfigurationInput{Bucket: b})
	wantErr(t, err, "ObjectLockConfigurationNotFoundError", 404)
	// Operations Virga does not implement answer 501.
	_, err = e.c.GetBucketReplication(bg, &s3.GetBucketReplicationInput{Bucket: b})
	wantErr(t, err, "NotImplemented", 501)
	_, err = e.c.GetBucketPolicy(bg, &s3.GetBucketPolicyInput{Bucket: aws.String("no-such-conf")})
	wantErr(t, err, "NoSuchBucket", 404)
}

func TestPresignedURLs(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("presign")
	ps := s3.NewPresignClient(e.c)
	put, err := ps.PresignPutObject(bg, &s3.PutObjectInput{Bucket: aws.String("presign"), Key: aws.String("up/load.txt")}, s3.WithPresignExpires(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(put.Method, put.URL, strings.NewReader("presigned body"))
	for k, vs := range put.SignedHeader {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != md5hex("presigned body") {
		t.Fatalf("presigned PUT = %d %v", resp.StatusCode, resp.Header)
	}
	get, err := ps.PresignGetObject(bg, &s3.GetObjectInput{Bucket: aws.String("presign"), Key: aws.String("up/load.txt")})
	if err != nil {
		t.Fatal(err)
	}
	resp, err = http.Get(get.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "presigned body" {
		t.Fatalf("presigned GET = %d %q", resp.StatusCode, body)
	}
}
