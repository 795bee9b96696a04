package s3_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/virga-aws/virga/internal/server"
)

func keysOf(objs []types.Object) string {
	var ks []string
	for _, o := range objs {
		ks = append(ks, aws.ToString(o.Key))
	}
	return strings.Join(ks, ",")
}

func prefixesOf(ps []types.CommonPrefix) string {
	var out []string
	for _, p := range ps {
		out = append(out, aws.ToString(p.Prefix))
	}
	return strings.Join(out, ",")
}

func TestListObjectsV2(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("list")
	keys := []string{"a.txt", "photos/2024/a.jpg", "photos/2024/b.jpg", "photos/2025/c.jpg", "photos/d.jpg", "videos/e.mp4", "z"}
	for _, k := range keys {
		e.put("list", k, "x")
	}
	out, err := e.c.ListObjectsV2(bg, &s3.ListObjectsV2Input{Bucket: aws.String("list"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	if keysOf(out.Contents) != "a.txt,z" || prefixesOf(out.CommonPrefixes) != "photos/,videos/" || aws.ToInt32(out.KeyCount) != 4 {
		t.Fatalf("delimiter listing = %q %q %d", keysOf(out.Contents), prefixesOf(out.CommonPrefixes), aws.ToInt32(out.KeyCount))
	}
	out, _ = e.c.ListObjectsV2(bg, &s3.ListObjectsV2Input{Bucket: aws.String("list"), Prefix: aws.String("photos/"), Delimiter: aws.String("/")})
	if keysOf(out.Contents) != "photos/d.jpg" || prefixesOf(out.CommonPrefixes) != "photos/2024/,photos/2025/" {
		t.Fatalf("prefix listing = %q %q", keysOf(out.Contents), prefixesOf(out.CommonPrefixes))
	}
	// Pagination over keys and prefixes, two at a time.
	var got []string
	var token *string
	for pages := 0; ; pages++ {
		out, err := e.c.ListObjectsV2(bg, &s3.ListObjectsV2Input{Bucket: aws.String("list"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1), ContinuationToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			got = append(got, aws.ToString(o.Key))
		}
		for _, p := range out.CommonPrefixes {
			got = append(got, aws.ToString(p.Prefix))
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		token = out.NextContinuationToken
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if strings.Join(got, ",") != "a.txt,photos/,videos/,z" {
		t.Fatalf("paged = %v", got)
	}
	out, _ = e.c.ListObjectsV2(bg, &s3.ListObjectsV2Input{Bucket: aws.String("list"), StartAfter: aws.String("photos/2025/c.jpg"), FetchOwner: aws.Bool(true)})
	if keysOf(out.Contents) != "photos/d.jpg,videos/e.mp4,z" || out.Contents[0].Owner == nil {
		t.Fatalf("start-after = %q owner %v", keysOf(out.Contents), out.Contents[0].Owner)
	}
	out, _ = e.c.ListObjectsV2(bg, &s3.ListObjectsV2Input{Bucket: aws.String("list")})
	if out.Contents[0].Owner != nil || aws.ToString(out.Contents[0].ETag) != md5hex("x") || aws.ToInt64(out.Contents[0].Size) != 1 || out.Contents[0].StorageClass != "STANDARD" {
		t.Fatalf("row = %+v", out.Contents[0])
	}
	_, err = e.c.ListObjectsV2(bg, &s3.ListObjectsV2Input{Bucket: aws.String("list"), ContinuationToken: aws.String("garbage!")})
	wantErr(t, err, "InvalidArgument", 400)
	_, err = e.c.ListObjectsV2(bg, &s3.ListObjectsV2Input{Bucket: aws.String("nolist")})
	wantErr(t, err, "NoSuchBucket", 404)

	// encoding-type=url.
	e.put("list", "sp ace/ü+x", "x")
	_, body := e.raw("GET", "/list?list-type=2&encoding-type=url&prefix=sp%20ace", nil, nil)
	if !strings.Contains(body, "<Key>sp+ace/%C3%BC%2Bx</Key>") || !strings.Contains(body, "<Prefix>sp+ace</Prefix>") {
		t.Fatalf("encoded listing = %s", body)
	}
}

func TestListObjectsV1(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("list-v1")
	for i := 0; i < 5; i++ {
		e.put("list-v1", fmt.Sprintf("dir%d/k", i), "x")
		e.put("list-v1", fmt.Sprintf("k%d", i), "x")
	}
	out, err := e.c.ListObjects(bg, &s3.ListObjectsInput{Bucket: aws.String("list-v1"), MaxKeys: aws.Int32(3)})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(out.IsTruncated) || out.NextMarker != nil || keysOf(out.Contents) != "dir0/k,dir1/k,dir2/k" || out.Contents[0].Owner == nil {
		t.Fatalf("v1 page = %+v", out)
	}
	out, _ = e.c.ListObjects(bg, &s3.ListObjectsInput{Bucket: aws.String("list-v1"), Marker: aws.String("dir2/k")})
	if keysOf(out.Contents) != "dir3/k,dir4/k,k0,k1,k2,k3,k4" {
		t.Fatalf("marker = %q", keysOf(out.Contents))
	}
	out, _ = e.c.ListObjects(bg, &s3.ListObjectsInput{Bucket: aws.String("list-v1"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(2)})
	if aws.ToString(out.NextMarker) != "dir1/" || prefixesOf(out.CommonPrefixes) != "dir0/,dir1/" {
		t.Fatalf("NextMarker = %q prefixes %q", aws.ToString(out.NextMarker), prefixesOf(out.CommonPrefixes))
	}
	out, _ = e.c.ListObjects(bg, &s3.ListObjectsInput{Bucket: aws.String("list-v1"), Delimiter: aws.String("/"), Marker: out.NextMarker})
	if prefixesOf(out.CommonPrefixes) != "dir2/,dir3/,dir4/" || keysOf(out.Contents) != "k0,k1,k2,k3,k4" {
		t.Fatalf("after NextMarker = %q %q", prefixesOf(out.CommonPrefixes), keysOf(out.Contents))
	}
}

func TestListManyKeys(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("many")
	var want []string
	for i := 0; i < 1200; i++ {
		k := fmt.Sprintf("key-%05d", (i*7919)%1200)
		want = append(want, k)
		e.raw("PUT", "/many/"+k, nil, nil)
	}
	sort.Strings(want)
	p := s3.NewListObjectsV2Paginator(e.c, &s3.ListObjectsV2Input{Bucket: aws.String("many"), MaxKeys: aws.Int32(5000)})
	var got []string
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(bg)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range out.Contents {
			got = append(got, aws.ToString(o.Key))
		}
	}
	if pages != 2 || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%d pages, %d keys", pages, len(got))
	}
}
