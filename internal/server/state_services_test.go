package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	dynamodbsvc "github.com/virga-aws/virga/internal/services/dynamodb"
	logssvc "github.com/virga-aws/virga/internal/services/logs"
	s3svc "github.com/virga-aws/virga/internal/services/s3"
	sqssvc "github.com/virga-aws/virga/internal/services/sqs"
	stssvc "github.com/virga-aws/virga/internal/services/sts"
)

// dataWorld is a server with S3, DynamoDB, CloudWatch Logs, SQS and STS
// on a frozen clock, with clients.
type dataWorld struct {
	*world
	s3      *s3.Client
	s3Other *s3.Client // account 111111111111
	ddb     *dynamodb.Client
	logs    *cloudwatchlogs.Client
}

func startDataWorld(t *testing.T, dataDir string) *dataWorld {
	c := clock.New()
	c.Freeze()
	srv := servertest.Start(t, server.Options{Clock: c, DataDir: dataDir}, s3svc.New, dynamodbsvc.New, logssvc.New, sqssvc.New, stssvc.New)
	return newDataWorld(t, srv, c)
}

func newDataWorld(t *testing.T, srv *server.Server, c *clock.Clock) *dataWorld {
	cfg := servertest.Config(t, srv, "", "")
	cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	pathStyle := func(o *s3.Options) { o.UsePathStyle = true }
	other := servertest.Config(t, srv, "111111111111", "")
	other.Retryer = cfg.Retryer
	w := &world{t: t, srv: srv, clock: c, ctx: context.Background()}
	return &dataWorld{
		world:   w,
		s3:      s3.NewFromConfig(cfg, pathStyle),
		s3Other: s3.NewFromConfig(other, pathStyle),
		ddb:     dynamodb.NewFromConfig(cfg),
		logs:    cloudwatchlogs.NewFromConfig(cfg),
	}
}

// s3World is what buildS3 made.
type s3World struct {
	v1, v2     string // versions of photos/a.txt
	etags      map[string]string
	big        []byte
	uploadID   string
	partETags  []string
	markerID   string
	bodies     map[string][]byte // "key@version" → body
	bucketTags []s3types.Tag
}

// buildS3 makes a versioned bucket with tags, a policy and a CORS rule,
// two versions of one key, a 2 MiB object, a delete marker over a deleted
// key, a pending multipart upload with two parts, and a bucket of another
// account in eu-west-1.
func (w *dataWorld) buildS3() s3World {
	t := w.t
	p := s3World{etags: map[string]string{}, bodies: map[string][]byte{}}
	must(t)(w.s3.CreateBucket(w.ctx, &s3.CreateBucketInput{Bucket: aws.String("photos")}))
	must(t)(w.s3.PutBucketVersioning(w.ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("photos"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}))
	p.bucketTags = []s3types.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}
	must(t)(w.s3.PutBucketTagging(w.ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("photos"), Tagging: &s3types.Tagging{TagSet: p.bucketTags}}))
	must(t)(w.s3.PutBucketPolicy(w.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("photos"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[]}`)}))
	must(t)(w.s3.PutBucketCors(w.ctx, &s3.PutBucketCorsInput{Bucket: aws.String("photos"), CORSConfiguration: &s3types.CORSConfiguration{
		CORSRules: []s3types.CORSRule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"https://example.com"}}}}}))

	put := func(key string, body []byte, ct string) *s3.PutObjectOutput {
		out, err := w.s3.PutObject(w.ctx, &s3.PutObjectInput{Bucket: aws.String("photos"), Key: aws.String(key), Body: bytes.NewReader(body),
			ContentType: aws.String(ct), Metadata: map[string]string{"origin": "test"}})
		if err != nil {
			t.Fatal(err)
		}
		p.etags[key+"@"+aws.ToString(out.VersionId)] = aws.ToString(out.ETag)
		p.bodies[key+"@"+aws.ToString(out.VersionId)] = body
		return out
	}
	p.v1 = aws.ToString(put("a.txt", []byte("first version"), "text/plain").VersionId)
	p.v2 = aws.ToString(put("a.txt", []byte("second version"), "text/plain").VersionId)
	p.big = make([]byte, 2<<20+17)
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range p.big {
		p.big[i] = byte(rnd.Uint32())
	}
	put("dir/big.bin", p.big, "application/octet-stream")
	put("gone.txt", []byte("deleted later"), "text/plain")
	del, err := w.s3.DeleteObject(w.ctx, &s3.DeleteObjectInput{Bucket: aws.String("photos"), Key: aws.String("gone.txt")})
	if err != nil || !aws.ToBool(del.DeleteMarker) {
		t.Fatalf("delete: %v %+v", err, del)
	}
	p.markerID = aws.ToString(del.VersionId)

	up, err := w.s3.CreateMultipartUpload(w.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("photos"), Key: aws.String("mp.bin")})
	if err != nil {
		t.Fatal(err)
	}
	p.uploadID = aws.ToString(up.UploadId)
	for i, body := range [][]byte{bytes.Repeat([]byte("a"), 5<<20), []byte("tail")} {
		out, err := w.s3.UploadPart(w.ctx, &s3.UploadPartInput{Bucket: aws.String("photos"), Key: aws.String("mp.bin"), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		p.partETags = append(p.partETags, aws.ToString(out.ETag))
	}

	must(t)(w.s3Other.CreateBucket(w.ctx, &s3.CreateBucketInput{Bucket: aws.String("elsewhere"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}}))
	return p
}

// checkS3 verifies through the SDK that everything buildS3 made is there.
func (w *dataWorld) checkS3(p s3World) {
	t := w.t
	t.Helper()
	for kv, want := range p.bodies {
		key, vid, _ := strings.Cut(kv, "@")
		out, err := w.s3.GetObject(w.ctx, &s3.GetObjectInput{Bucket: aws.String("photos"), Key: aws.String(key), VersionId: aws.String(vid)})
		if err != nil {
			t.Errorf("get %s: %v", kv, err)
			continue
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("get %s: %d bytes, want %d (%v)", kv, len(got), len(want), err)
		}
		if aws.ToString(out.ETag) != p.etags[kv] || out.Metadata["origin"] != "test" {
			t.Errorf("get %s: ETag %s (want %s), metadata %v", kv, aws.ToString(out.ETag), p.etags[kv], out.Metadata)
		}
	}
	latest, err := w.s3.GetObject(w.ctx, &s3.GetObjectInput{Bucket: aws.String("photos"), Key: aws.String("a.txt")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(latest.Body)
	latest.Body.Close()
	if string(body) != "second version" || aws.ToString(latest.VersionId) != p.v2 || aws.ToString(latest.ContentType) != "text/plain" {
		t.Errorf("latest a.txt = %q %s %s", body, aws.ToString(latest.VersionId), aws.ToString(latest.ContentType))
	}
	_, err = w.s3.GetObject(w.ctx, &s3.GetObjectInput{Bucket: aws.String("photos"), Key: aws.String("gone.txt")})
	wantAPIError(t, err, "NoSuchKey")

	vers, err := w.s3.ListObjectVersions(w.ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("photos")})
	if err != nil {
		t.Fatal(err)
	}
	if len(vers.Versions) != 4 || len(vers.DeleteMarkers) != 1 || aws.ToString(vers.DeleteMarkers[0].VersionId) != p.markerID {
		t.Errorf("versions: %d versions, %d delete markers", len(vers.Versions), len(vers.DeleteMarkers))
	}
	for _, v := range vers.Versions {
		if aws.ToString(v.Key) == "a.txt" && aws.ToBool(v.IsLatest) != (aws.ToString(v.VersionId) == p.v2) {
			t.Errorf("a.txt version %s IsLatest = %v", aws.ToString(v.VersionId), aws.ToBool(v.IsLatest))
		}
	}
	vs, err := w.s3.GetBucketVersioning(w.ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("photos")})
	if err != nil || vs.Status != s3types.BucketVersioningStatusEnabled {
		t.Errorf("versioning: %v %v", vs, err)
	}
	tags, err := w.s3.GetBucketTagging(w.ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("photos")})
	if err != nil || len(tags.TagSet) != 1 || aws.ToString(tags.TagSet[0].Value) != "blue" {
		t.Errorf("bucket tags: %v %v", tags, err)
	}
	pol, err := w.s3.GetBucketPolicy(w.ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("photos")})
	if err != nil || !strings.Contains(aws.ToString(pol.Policy), "2012-10-17") {
		t.Errorf("policy: %v %v", pol, err)
	}
	cors, err := w.s3.GetBucketCors(w.ctx, &s3.GetBucketCorsInput{Bucket: aws.String("photos")})
	if err != nil || len(cors.CORSRules) != 1 {
		t.Errorf("cors: %v %v", cors, err)
	}

	// Ownership and regions: names are global and owners come back.
	_, err = w.s3Other.CreateBucket(w.ctx, &s3.CreateBucketInput{Bucket: aws.String("photos")})
	wantAPIError(t, err, "BucketAlreadyExists")
	_, err = w.s3.CreateBucket(w.ctx, &s3.CreateBucketInput{Bucket: aws.String("elsewhere")})
	wantAPIError(t, err, "BucketAlreadyExists")
	loc, err := w.s3.GetBucketLocation(w.ctx, &s3.GetBucketLocationInput{Bucket: aws.String("elsewhere")})
	if err != nil || loc.LocationConstraint != "eu-west-1" {
		t.Errorf("elsewhere location: %v %v", loc, err)
	}
	mine, err := w.s3Other.ListBuckets(w.ctx, &s3.ListBucketsInput{})
	if err != nil || len(mine.Buckets) != 1 || aws.ToString(mine.Buckets[0].Name) != "elsewhere" {
		t.Errorf("other account's buckets: %v %v", mine, err)
	}

	// The pending upload, its parts, and their bodies.
	ups, err := w.s3.ListMultipartUploads(w.ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("photos")})
	if err != nil || len(ups.Uploads) != 1 || aws.ToString(ups.Uploads[0].UploadId) != p.uploadID {
		t.Fatalf("uploads: %v %+v", err, ups)
	}
	parts, err := w.s3.ListParts(w.ctx, &s3.ListPartsInput{Bucket: aws.String("photos"), Key: aws.String("mp.bin"), UploadId: &p.uploadID})
	if err != nil || len(parts.Parts) != 2 || aws.ToString(parts.Parts[1].ETag) != p.partETags[1] {
		t.Fatalf("parts: %v %+v", err, parts)
	}
}

// completeUpload completes the pending upload and checks the object.
func (w *dataWorld) completeUpload(p s3World) {
	t := w.t
	t.Helper()
	var done []s3types.CompletedPart
	for i, e := range p.partETags {
		done = append(done, s3types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: aws.String(e)})
	}
	if _, err := w.s3.CompleteMultipartUpload(w.ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("photos"), Key: aws.String("mp.bin"),
		UploadId: &p.uploadID, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done}}); err != nil {
		t.Fatal(err)
	}
	out, err := w.s3.GetObject(w.ctx, &s3.GetObjectInput{Bucket: aws.String("photos"), Key: aws.String("mp.bin")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if want := append(bytes.Repeat([]byte("a"), 5<<20), "tail"...); !bytes.Equal(got, want) {
		t.Errorf("completed upload: %d bytes, want %d", len(got), len(want))
	}
}

// TestStateS3SaveResetLoad saves S3 with bodies, resets, loads, and checks
// every bucket, version, body, configuration, owner and pending upload.
func TestStateS3SaveResetLoad(t *testing.T) {
	w := startDataWorld(t, "")
	p := w.buildS3()
	archive := w.save("")
	names := entryNames(t, archive)
	blobs := 0
	for _, n := range names {
		if strings.HasPrefix(n, "blobs/") {
			blobs++
		}
	}
	// Four object versions with bodies (not the delete marker) and two
	// parts.
	if blobs != 6 || !slices.Contains(names, "s3.json") {
		t.Fatalf("archive entries = %v", names)
	}

	w.reset()
	_, err := w.s3.HeadBucket(w.ctx, &s3.HeadBucketInput{Bucket: aws.String("photos")})
	wantAPIError(t, err, "NotFound")

	status, out := w.load("", archive)
	if status != 200 || !slices.Contains(toStrings(out["loaded"]), "s3") {
		t.Fatalf("load: %d %v", status, out)
	}
	if again := w.save(""); !bytes.Equal(again, archive) {
		t.Error("saving the loaded state gives a different archive")
	}
	w.checkS3(p)
	w.completeUpload(p)
	// A new write after the load becomes the latest version.
	if _, err := w.s3.PutObject(w.ctx, &s3.PutObjectInput{Bucket: aws.String("photos"), Key: aws.String("a.txt"), Body: strings.NewReader("third")}); err != nil {
		t.Fatal(err)
	}
	vers, err := w.s3.ListObjectVersions(w.ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("photos"), Prefix: aws.String("a.txt")})
	if err != nil || len(vers.Versions) != 3 || !aws.ToBool(vers.Versions[0].IsLatest) || aws.ToString(vers.Versions[2].VersionId) != p.v1 {
		t.Errorf("versions after a new write: %v %+v", err, vers)
	}
}

// TestStateS3LoadCorrupt checks that a bad S3 entry, or one naming a body
// the archive lacks, leaves S3 as it was.
func TestStateS3LoadCorrupt(t *testing.T) {
	w := startDataWorld(t, "")
	w.buildS3()
	archive := w.save("")
	w.reset()
	must(t)(w.s3.CreateBucket(w.ctx, &s3.CreateBucketInput{Bucket: aws.String("after-save")}))
	if _, err := w.s3.PutObject(w.ctx, &s3.PutObjectInput{Bucket: aws.String("after-save"), Key: aws.String("k"), Body: strings.NewReader("kept")}); err != nil {
		t.Fatal(err)
	}
	untouched := func(what string) {
		t.Helper()
		out, err := w.s3.GetObject(w.ctx, &s3.GetObjectInput{Bucket: aws.String("after-save"), Key: aws.String("k")})
		if err != nil {
			t.Errorf("%s: S3 was changed: %v", what, err)
			return
		}
		body, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if string(body) != "kept" {
			t.Errorf("%s: body = %q", what, body)
		}
		if _, err := w.s3.HeadBucket(w.ctx, &s3.HeadBucketInput{Bucket: aws.String("photos")}); err == nil {
			t.Errorf("%s: S3 was changed: photos is back", what)
		}
	}
	s3Entry := func(edit func(lines []string) []string) []byte {
		return rewrite(t, archive, func(name string, data []byte) []byte {
			if name != "s3.json" {
				return data
			}
			lines := strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")
			return []byte(strings.Join(edit(lines), "\n") + "\n")
		}, nil)
	}
	trim := func(s string) string { return strings.TrimSuffix(s, "\n") }
	dropBlob := rewrite(t, archive, func(name string, data []byte) []byte {
		if strings.HasPrefix(name, "blobs/") && bytes.Equal(data, []byte("first version")) {
			return nil
		}
		return data
	}, nil)
	cases := map[string][]byte{
		"not json": replaceEntry(t, archive, "s3.json", []byte("\x00garbage")),
		"objects without their bucket": s3Entry(func(lines []string) []string {
			var out []string
			for _, l := range lines {
				if !strings.Contains(l, `"key":"b\u0000photos"`) {
					out = append(out, trim(l))
				}
			}
			if len(out) != len(lines)-1 {
				t.Fatalf("no photos bucket line in %q", lines)
			}
			return out
		}),
		"unknown namespace": replaceEntry(t, archive, "s3.json", []byte(`{"ns":"sqs/queues","key":"b\u0000x","value":{}}`+"\n")),
		"bad bucket name":   replaceEntry(t, archive, "s3.json", []byte(`{"ns":"s3","key":"b\u0000Bad_Name","value":{"Name":"Bad_Name","Account":"000000000000","Region":"us-east-1"}}`+"\n")),
		"missing body":      dropBlob,
	}
	for name, a := range cases {
		status, out := w.load("", a)
		if status != 400 || slices.Contains(toStrings(out["restored"]), "s3") {
			t.Errorf("%s: %d %v", name, status, out)
		}
		t.Logf("%s: %v", name, out["error"])
		if !slices.Equal(toStrings(out["restored"]), []string{"dynamodb", "logs"}) {
			t.Errorf("%s: restored %v, want the services before S3", name, out["restored"])
		}
		if name == "missing body" && !strings.Contains(out["error"].(string), "not in the archive") {
			t.Errorf("missing body: error = %v", out["error"])
		}
		untouched(name)
	}
}

// TestStateLoadPersistent loads an archive into a server with a data
// directory holding other state: S3's old bodies are removed, and a restart
// finds the loaded state of S3, DynamoDB and CloudWatch Logs (their journals
// were rewritten).
func TestStateLoadPersistent(t *testing.T) {
	src := startDataWorld(t, "")
	p := src.buildS3()
	src.buildDynamo()
	src.buildLogs()
	archive := src.save("?service=s3,dynamodb,logs")

	dir := t.TempDir()
	w := startDataWorld(t, dir)
	must(t)(w.s3.CreateBucket(w.ctx, &s3.CreateBucketInput{Bucket: aws.String("old-bucket")}))
	must(t)(w.s3.PutObject(w.ctx, &s3.PutObjectInput{Bucket: aws.String("old-bucket"), Key: aws.String("old"), Body: strings.NewReader("old body")}))
	must(t)(w.logs.CreateLogGroup(w.ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("old-group")}))
	if status, out := w.load("", archive); status != 200 {
		t.Fatalf("load: %d %v", status, out)
	}
	if n := countFiles(t, filepath.Join(dir, "s3", "blobs")); n != 6 {
		t.Errorf("%d bodies on disk after the load, want 6", n)
	}
	w.srv.Close()

	w = newDataWorld(t, servertest.Start(t, server.Options{Clock: src.clock, DataDir: dir}, s3svc.New, dynamodbsvc.New, logssvc.New), src.clock)
	_, err := w.s3.HeadBucket(w.ctx, &s3.HeadBucketInput{Bucket: aws.String("old-bucket")})
	wantAPIError(t, err, "NotFound")
	w.checkS3(p)
	w.completeUpload(p)
	w.checkDynamo()
	w.checkLogs()
}

// countFiles counts the bodies under a DirBlobs directory (its two-digit
// subdirectories).
func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	subs, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if !s.IsDir() || len(s.Name()) != 2 {
			continue
		}
		files, err := os.ReadDir(filepath.Join(dir, s.Name()))
		if err != nil {
			t.Fatal(err)
		}
		n += len(files)
	}
	return n
}

// must returns a function failing the test on a call's error.
func must(t *testing.T) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

func wantAPIError(t *testing.T, err error, code string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != code {
		t.Errorf("error = %v, want %s", err, code)
	}
}

// ddbItems are the items buildDynamo writes to "orders".
var ddbItems = []map[string]ddbtypes.AttributeValue{
	{"pk": &ddbtypes.AttributeValueMemberS{Value: "c1"}, "sk": &ddbtypes.AttributeValueMemberN{Value: "1"},
		"status": &ddbtypes.AttributeValueMemberS{Value: "open"}, "blob": &ddbtypes.AttributeValueMemberB{Value: []byte{0, 1, 255}},
		"tags": &ddbtypes.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"doc": &ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{
			"list": &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{&ddbtypes.AttributeValueMemberBOOL{Value: true}, &ddbtypes.AttributeValueMemberNULL{Value: true}}},
			"nums": &ddbtypes.AttributeValueMemberNS{Value: []string{"1.5", "-2"}},
		}}},
	{"pk": &ddbtypes.AttributeValueMemberS{Value: "c1"}, "sk": &ddbtypes.AttributeValueMemberN{Value: "2"},
		"status": &ddbtypes.AttributeValueMemberS{Value: "shipped"}},
	{"pk": &ddbtypes.AttributeValueMemberS{Value: "c2"}, "sk": &ddbtypes.AttributeValueMemberN{Value: "10"},
		"status": &ddbtypes.AttributeValueMemberS{Value: "open"}},
	// No status: not in the GSI.
	{"pk": &ddbtypes.AttributeValueMemberS{Value: "c3"}, "sk": &ddbtypes.AttributeValueMemberN{Value: "-1"}},
}

// buildDynamo makes a table with a composite key, a GSI, tags and TTL, and
// items of every type.
func (w *dataWorld) buildDynamo() {
	t := w.t
	s := func(v string) *string { return &v }
	must(t)(w.ddb.CreateTable(w.ctx, &dynamodb.CreateTableInput{
		TableName:   s("orders"),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: s("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: s("sk"), AttributeType: ddbtypes.ScalarAttributeTypeN},
			{AttributeName: s("status"), AttributeType: ddbtypes.ScalarAttributeTypeS},
		},
		KeySchema: []ddbtypes.KeySchemaElement{{AttributeName: s("pk"), KeyType: ddbtypes.KeyTypeHash}, {AttributeName: s("sk"), KeyType: ddbtypes.KeyTypeRange}},
		GlobalSecondaryIndexes: []ddbtypes.GlobalSecondaryIndex{{IndexName: s("byStatus"),
			KeySchema:  []ddbtypes.KeySchemaElement{{AttributeName: s("status"), KeyType: ddbtypes.KeyTypeHash}, {AttributeName: s("sk"), KeyType: ddbtypes.KeyTypeRange}},
			Projection: &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeAll}}},
		Tags: []ddbtypes.Tag{{Key: s("env"), Value: s("test")}},
	}))
	must(t)(w.ddb.UpdateTimeToLive(w.ctx, &dynamodb.UpdateTimeToLiveInput{TableName: s("orders"),
		TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{AttributeName: s("expires"), Enabled: aws.Bool(true)}}))
	for _, item := range ddbItems {
		must(t)(w.ddb.PutItem(w.ctx, &dynamodb.PutItemInput{TableName: s("orders"), Item: item}))
	}
}

// checkDynamo verifies through the SDK what buildDynamo made.
func (w *dataWorld) checkDynamo() {
	t := w.t
	t.Helper()
	for _, item := range ddbItems {
		out, err := w.ddb.GetItem(w.ctx, &dynamodb.GetItemInput{TableName: aws.String("orders"), ConsistentRead: aws.Bool(true),
			Key: map[string]ddbtypes.AttributeValue{"pk": item["pk"], "sk": item["sk"]}})
		if err != nil || !reflect.DeepEqual(out.Item, item) {
			t.Errorf("GetItem %v: %v\n got %#v\nwant %#v", item["pk"], err, out.Item, item)
		}
	}
	q, err := w.ddb.Query(w.ctx, &dynamodb.QueryInput{TableName: aws.String("orders"), IndexName: aws.String("byStatus"),
		KeyConditionExpression:    aws.String("#s = :s"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":s": &ddbtypes.AttributeValueMemberS{Value: "open"}}})
	if err != nil || q.Count != 2 || !reflect.DeepEqual(q.Items[0], ddbItems[0]) || !reflect.DeepEqual(q.Items[1], ddbItems[2]) {
		t.Errorf("GSI query: %v %+v", err, q)
	}
	d, err := w.ddb.DescribeTable(w.ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")})
	if err != nil || aws.ToInt64(d.Table.ItemCount) != int64(len(ddbItems)) || len(d.Table.GlobalSecondaryIndexes) != 1 ||
		aws.ToInt64(d.Table.GlobalSecondaryIndexes[0].ItemCount) != 3 || len(d.Table.KeySchema) != 2 {
		t.Errorf("DescribeTable: %v %+v", err, d)
	}
	tags, err := w.ddb.ListTagsOfResource(w.ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: d.Table.TableArn})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "test" {
		t.Errorf("tags: %v %+v", err, tags)
	}
	ttl, err := w.ddb.DescribeTimeToLive(w.ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("orders")})
	if err != nil || ttl.TimeToLiveDescription.TimeToLiveStatus != ddbtypes.TimeToLiveStatusEnabled || aws.ToString(ttl.TimeToLiveDescription.AttributeName) != "expires" {
		t.Errorf("TTL: %v %+v", err, ttl)
	}
}

// logMessages are the events buildLogs writes, in time order.
var logMessages = []string{"starting", "request id=1 status=200", "request id=2 status=500"}

// buildLogs makes a log group with retention and tags, and a stream with
// events.
func (w *dataWorld) buildLogs() {
	t := w.t
	must(t)(w.logs.CreateLogGroup(w.ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/app/web"), Tags: map[string]string{"team": "blue"}}))
	must(t)(w.logs.PutRetentionPolicy(w.ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String("/app/web"), RetentionInDays: aws.Int32(7)}))
	must(t)(w.logs.CreateLogStream(w.ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("/app/web"), LogStreamName: aws.String("web-1")}))
	now := w.clock.Now().Add(-time.Minute)
	var evs []logstypes.InputLogEvent
	for i, m := range logMessages {
		evs = append(evs, logstypes.InputLogEvent{Message: aws.String(m), Timestamp: aws.Int64(now.Add(time.Duration(i) * time.Second).UnixMilli())})
	}
	must(t)(w.logs.PutLogEvents(w.ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("/app/web"), LogStreamName: aws.String("web-1"), LogEvents: evs}))
}

// checkLogs verifies through the SDK what buildLogs made.
func (w *dataWorld) checkLogs() {
	t := w.t
	t.Helper()
	out, err := w.logs.GetLogEvents(w.ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/app/web"), LogStreamName: aws.String("web-1"), StartFromHead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range out.Events {
		got = append(got, aws.ToString(e.Message))
	}
	if !slices.Equal(got, logMessages) {
		t.Errorf("events = %q, want %q", got, logMessages)
	}
	f, err := w.logs.FilterLogEvents(w.ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/app/web"), FilterPattern: aws.String(`"status=500"`)})
	if err != nil || len(f.Events) != 1 || aws.ToString(f.Events[0].Message) != logMessages[2] {
		t.Errorf("filter: %v %+v", err, f)
	}
	g, err := w.logs.DescribeLogGroups(w.ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil || len(g.LogGroups) != 1 || aws.ToInt32(g.LogGroups[0].RetentionInDays) != 7 {
		t.Fatalf("groups: %v %+v", err, g)
	}
	tags, err := w.logs.ListTagsForResource(w.ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(strings.TrimSuffix(aws.ToString(g.LogGroups[0].Arn), ":*"))})
	if err != nil || tags.Tags["team"] != "blue" {
		t.Errorf("tags: %v %+v", err, tags)
	}
}

// TestStateAllServicesSaveResetLoad saves S3, DynamoDB and CloudWatch Logs
// together, resets, loads and checks each through its SDK client.
func TestStateAllServicesSaveResetLoad(t *testing.T) {
	w := startDataWorld(t, "")
	p := w.buildS3()
	w.buildDynamo()
	w.buildLogs()
	archive := w.save("")
	names := entryNames(t, archive)
	for _, n := range []string{"dynamodb.json", "logs.json", "s3.json"} {
		if !slices.Contains(names, n) {
			t.Fatalf("archive entries = %v", names)
		}
	}
	w.reset()
	if _, err := w.ddb.DescribeTable(w.ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")}); err == nil {
		t.Fatal("table survived the reset")
	}
	status, out := w.load("", archive)
	if status != 200 || !slices.Equal(toStrings(out["loaded"]), []string{"dynamodb", "logs", "s3", "sqs", "sts"}) {
		t.Fatalf("load: %d %v", status, out)
	}
	if again := w.save(""); !bytes.Equal(again, archive) {
		t.Error("saving the loaded state gives a different archive")
	}
	w.checkS3(p)
	w.checkDynamo()
	w.checkLogs()
	// Writes after the load continue the state.
	must(t)(w.logs.PutLogEvents(w.ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("/app/web"), LogStreamName: aws.String("web-1"),
		LogEvents: []logstypes.InputLogEvent{{Message: aws.String("after"), Timestamp: aws.Int64(w.clock.Now().UnixMilli())}}}))
	ev, err := w.logs.GetLogEvents(w.ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/app/web"), LogStreamName: aws.String("web-1"), StartFromHead: aws.Bool(true)})
	if err != nil || len(ev.Events) != 4 || aws.ToString(ev.Events[3].Message) != "after" {
		t.Errorf("events after a new write: %v %+v", err, ev)
	}
}

// TestStateDynamoLogsLoadCorrupt checks that a bad DynamoDB or Logs entry
// leaves that service as it was.
func TestStateDynamoLogsLoadCorrupt(t *testing.T) {
	w := startDataWorld(t, "")
	w.buildDynamo()
	w.buildLogs()
	archive := w.save("")
	w.reset()
	must(t)(w.logs.CreateLogGroup(w.ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("after-save")}))
	untouched := func(what string) {
		t.Helper()
		if _, err := w.ddb.DescribeTable(w.ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")}); err == nil {
			t.Errorf("%s: DynamoDB was changed", what)
		}
		g, err := w.logs.DescribeLogGroups(w.ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
		if err != nil || len(g.LogGroups) != 1 || aws.ToString(g.LogGroups[0].LogGroupName) != "after-save" {
			t.Errorf("%s: Logs was changed: %v %+v", what, err, g)
		}
	}
	firstLine := func(name string) string {
		var line string
		rewrite(t, archive, func(n string, d []byte) []byte {
			if n == name {
				line, _, _ = strings.Cut(string(d), "\n")
			}
			return d
		}, nil)
		return line
	}
	table := firstLine("dynamodb.json")
	cases := map[string][]byte{
		"dynamodb: item without its table": rewrite(t, archive, func(n string, d []byte) []byte {
			if n == "dynamodb.json" {
				return []byte(strings.TrimPrefix(string(d), table+"\n"))
			}
			return d
		}, nil),
		"dynamodb: table without a key schema": replaceEntry(t, archive, "dynamodb.json",
			[]byte(`{"ns":"dynamodb/tables","key":"1/us-east-1/abc","value":{"Account":"1","Region":"us-east-1","Name":"abc"}}`+"\n")),
		"dynamodb: item under the wrong key": replaceEntry(t, archive, "dynamodb.json", []byte(table+"\n"+strings.Replace(
			strings.TrimPrefix(string(entryData(t, archive, "dynamodb.json")), table+"\n"), `"key":"`, `"key":"00`, 1))),
		"logs: not json": replaceEntry(t, archive, "logs.json", []byte("{")),
		"logs: event without its stream": replaceEntry(t, archive, "logs.json",
			[]byte(`{"ns":"logs/events","key":"000000000000:us-east-1:g:s:00000000000000000001","value":{"ts":1,"ingest":1,"msg":"x"}}`+"\n")),
		"logs: bad group name": replaceEntry(t, archive, "logs.json",
			[]byte(`{"ns":"logs/groups","key":"000000000000:us-east-1:bad name","value":{"account":"000000000000","region":"us-east-1","name":"bad name"}}`+"\n")),
	}
	for name, a := range cases {
		status, out := w.load("?service=dynamodb,logs", a)
		t.Logf("%s: %v", name, out["error"])
		if status != 400 {
			t.Errorf("%s: %d %v", name, status, out)
		}
		if strings.HasPrefix(name, "logs") {
			// DynamoDB's entry comes first and is good.
			w.reset()
			must(t)(w.logs.CreateLogGroup(w.ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("after-save")}))
			continue
		}
		untouched(name)
	}
	status, out := w.load("?service=dynamodb,logs", replaceEntry(t, archive, "logs.json", []byte("{")))
	if status != 400 || !slices.Equal(toStrings(out["restored"]), []string{"dynamodb"}) {
		t.Fatalf("bad logs entry: %d %v", status, out)
	}
	g, err := w.logs.DescribeLogGroups(w.ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil || len(g.LogGroups) != 1 || aws.ToString(g.LogGroups[0].LogGroupName) != "after-save" {
		t.Errorf("bad logs entry: Logs was changed: %v %+v", err, g)
	}
}

// entryData returns the data of an archive entry.
func entryData(t *testing.T, archive []byte, name string) []byte {
	t.Helper()
	var out []byte
	rewrite(t, archive, func(n string, d []byte) []byte {
		if n == name {
			out = d
		}
		return d
	}, nil)
	if out == nil {
		t.Fatalf("no entry %s", name)
	}
	return out
}
