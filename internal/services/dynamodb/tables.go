package dynamodb

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/dynamodb/api"
)

// Limits from https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html.
const (
	maxGSIs      = 20
	maxLSIs      = 5
	maxProjected = 100
	maxTags      = 50
)

func tableARN(k regionKey, name string) string {
	return "arn:aws:dynamodb:" + k.region + ":" + k.account + ":table/" + name
}

func invalidParam(format string, args ...any) *awserr.Error {
	return validationf("%s", "One or more parameter values were invalid: "+fmt.Sprintf(format, args...))
}

// parseKeySchema checks a KeySchema against the attribute definitions.
func parseKeySchema(ks []api.KeySchemaElement, defs map[string]string) (keySchema, *awserr.Error) {
	var k keySchema
	if len(ks) == 0 || len(ks) > 2 {
		return k, validationf("1 validation error detected: Value '%v' at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2", len(ks))
	}
	if ks[0].KeyType == nil || *ks[0].KeyType != "HASH" {
		return k, validationf("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	}
	k.hash = deref(ks[0].AttributeName)
	if len(ks) == 2 {
		if ks[1].KeyType == nil || *ks[1].KeyType != "RANGE" {
			return k, validationf("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
		}
		k.rng = deref(ks[1].AttributeName)
		if k.rng == k.hash {
			return k, validationf("Both the Hash Key and the Range Key element in the KeySchema have the same name")
		}
	}
	var missing []string
	for _, n := range []string{k.hash, k.rng} {
		if n != "" && defs[n] == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		names := make([]string, 0, len(defs))
		for n := range defs {
			names = append(names, n)
		}
		sort.Strings(names)
		return k, invalidParam("Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]", strings.Join(missing, ", "), strings.Join(names, ", "))
	}
	k.hashType = defs[k.hash]
	if k.rng != "" {
		k.rngType = defs[k.rng]
	}
	return k, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (k keySchema) elements() []api.KeySchemaElement {
	out := []api.KeySchemaElement{{AttributeName: ptr(k.hash), KeyType: ptr("HASH")}}
	if k.rng != "" {
		out = append(out, api.KeySchemaElement{AttributeName: ptr(k.rng), KeyType: ptr("RANGE")})
	}
	return out
}

// newIndex validates and builds a secondary index.
func newIndex(name *string, ks []api.KeySchemaElement, proj *api.Projection, defs map[string]string, used map[string]bool, global bool) (*index, *awserr.Error) {
	k, err := parseKeySchema(ks, defs)
	if err != nil {
		return nil, err
	}
	n := deref(name)
	if used[n] {
		return nil, invalidParam("Duplicate index name: %s", n)
	}
	used[n] = true
	ix := &index{name: n, global: global, key: k, projType: "ALL", data: newStore()}
	if proj != nil {
		if proj.ProjectionType != nil {
			ix.projType = *proj.ProjectionType
		}
		ix.nonKey = proj.NonKeyAttributes
		switch {
		case ix.projType == "INCLUDE" && len(ix.nonKey) == 0:
			return nil, invalidParam("ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
		case ix.projType != "INCLUDE" && len(ix.nonKey) > 0:
			return nil, invalidParam("ProjectionType is %s, but NonKeyAttributes is specified", ix.projType)
		}
	}
	return ix, nil
}

func (s *Service) CreateTable(ctx context.Context, in *api.CreateTableInput) (*api.CreateTableOutput, error) {
	k, name := tableName(ctx, deref(in.TableName))
	if e := checkTableName(name); e != nil {
		return nil, e
	}
	defs := map[string]string{}
	for _, d := range in.AttributeDefinitions {
		defs[deref(d.AttributeName)] = deref(d.AttributeType)
	}
	key, err := parseKeySchema(in.KeySchema, defs)
	if err != nil {
		return nil, err
	}
	t := &table{
		name: name, arn: tableARN(k, name), id: s.ids.UUID(), account: k.account, region: k.region,
		created: s.now(), key: key, attrDefs: in.AttributeDefinitions, billing: "PROVISIONED",
		tableClass: "STANDARD", data: newStore(), sse: in.SSESpecification, onDemand: in.OnDemandThroughput,
	}
	if in.BillingMode != nil {
		t.billing = *in.BillingMode
	}
	if e := t.setThroughput(in.ProvisionedThroughput, true); e != nil {
		return nil, e
	}
	used := map[string]bool{}
	keyAttrs := map[string]bool{key.hash: true, key.rng: true}
	if len(in.LocalSecondaryIndexes) > maxLSIs {
		return nil, invalidParam("Number of LocalSecondaryIndexes exceeds per-table limit of %d", maxLSIs)
	}
	if len(in.GlobalSecondaryIndexes) > maxGSIs {
		return nil, validationf("GlobalSecondaryIndex count exceeds the per-table limit of %d", maxGSIs)
	}
	for _, l := range in.LocalSecondaryIndexes {
		if key.rng == "" {
			return nil, invalidParam("Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex")
		}
		ix, e := newIndex(l.IndexName, l.KeySchema, l.Projection, defs, used, false)
		if e != nil {
			return nil, e
		}
		if ix.key.hash != key.hash {
			return nil, invalidParam("Index KeySchema does not have the same leading hash key as table KeySchema for index: %s. index hash key: %s, table hash key: %s", ix.name, ix.key.hash, key.hash)
		}
		if ix.key.rng == "" {
			return nil, invalidParam("Index KeySchema for LocalSecondaryIndex %s must have a range key", ix.name)
		}
		ix.arn = t.arn + "/index/" + ix.name
		ix.created = t.created
		t.lsis = append(t.lsis, ix)
		keyAttrs[ix.key.rng] = true
	}
	for _, g := range in.GlobalSecondaryIndexes {
		ix, e := newIndex(g.IndexName, g.KeySchema, g.Projection, defs, used, true)
		if e != nil {
			return nil, e
		}
		if e := ix.setThroughput(t.billing, g.ProvisionedThroughput); e != nil {
			return nil, e
		}
		ix.arn = t.arn + "/index/" + ix.name
		ix.created = t.created
		t.gsis = append(t.gsis, ix)
		keyAttrs[ix.key.hash] = true
		keyAttrs[ix.key.rng] = true
	}
	delete(keyAttrs, "")
	if len(keyAttrs) != len(defs) {
		return nil, invalidParam("Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
	}
	if e := checkTags(in.Tags); e != nil {
		return nil, e
	}
	t.tags = mergeTags(nil, in.Tags)
	if in.TableClass != nil {
		t.tableClass = *in.TableClass
	}
	if in.DeletionProtectionEnabled != nil {
		t.deletionProtect = *in.DeletionProtectionEnabled
	}
	if spec := in.StreamSpecification; spec != nil && spec.StreamEnabled != nil && *spec.StreamEnabled {
		if spec.StreamViewType == nil {
			return nil, invalidParam("StreamViewType is required when StreamEnabled is true")
		}
		t.enableStream(*spec.StreamViewType, t.created)
	}
	s.mu.Lock()
	byName := s.tables[k]
	if byName == nil {
		byName = map[string]*table{}
		s.tables[k] = byName
	}
	if byName[name] != nil {
		s.mu.Unlock()
		return nil, api.ErrResourceInUseException("Table already exists: " + name)
	}
	if len(byName) >= 2500 {
		s.mu.Unlock()
		return nil, api.ErrLimitExceededException("Subscriber limit exceeded: There is a limit of 2500 tables per account in this region")
	}
	byName[name] = t
	s.mu.Unlock()
	if e := s.persistTable(t); e != nil {
		return nil, e
	}
	d := t.describe()
	d.TableStatus = ptr("CREATING")
	return &api.CreateTableOutput{TableDescription: d}, nil
}

func (t *table) setThroughput(pt *api.ProvisionedThroughput, creating bool) *awserr.Error {
	switch t.billing {
	case "PAY_PER_REQUEST":
		if pt != nil && creating {
			return invalidParam("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
		t.rcu, t.wcu = 0, 0
	default:
		if pt == nil {
			if creating {
				return validationf("No provisioned throughput specified for the table")
			}
			return nil
		}
		if pt.ReadCapacityUnits == nil || pt.WriteCapacityUnits == nil {
			return invalidParam("ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
		}
		if *pt.ReadCapacityUnits < 1 || *pt.WriteCapacityUnits < 1 {
			return invalidParam("ReadCapacityUnits and WriteCapacityUnits must both be greater than 0")
		}
		t.rcu, t.wcu = *pt.ReadCapacityUnits, *pt.WriteCapacityUnits
	}
	return nil
}

func (ix *index) setThroughput(billing string, pt *api.ProvisionedThroughput) *awserr.Error {
	switch billing {
	case "PAY_PER_REQUEST":
		if pt != nil && (deref64(pt.ReadCapacityUnits) != 0 || deref64(pt.WriteCapacityUnits) != 0) {
			return invalidParam("ProvisionedThroughput should not be specified for index: %s when BillingMode is PAY_PER_REQUEST", ix.name)
		}
	default:
		if pt == nil || pt.ReadCapacityUnits == nil || pt.WriteCapacityUnits == nil {
			return invalidParam("ProvisionedThroughput must be specified for index: %s", ix.name)
		}
		ix.rcu, ix.wcu = *pt.ReadCapacityUnits, *pt.WriteCapacityUnits
	}
	return nil
}

func deref64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// describe returns the table's description. The caller need not hold t.mu.
func (t *table) describe() *api.TableDescription {
	t.mu.RLock()
	defer t.mu.RUnlock()
	d := &api.TableDescription{
		TableName: ptr(t.name), TableArn: ptr(t.arn), TableId: ptr(t.id), TableStatus: ptr("ACTIVE"),
		AttributeDefinitions: t.attrDefs, KeySchema: t.key.elements(), CreationDateTime: ptr(t.created),
		ItemCount: ptr(t.itemCount), TableSizeBytes: ptr(t.bytes),
		ProvisionedThroughput: &api.ProvisionedThroughputDescription{
			ReadCapacityUnits: ptr(t.rcu), WriteCapacityUnits: ptr(t.wcu), NumberOfDecreasesToday: ptr(int64(0)),
		},
		DeletionProtectionEnabled: ptr(t.deletionProtect),
	}
	if t.billing == "PAY_PER_REQUEST" {
		upd := t.billingUpdated
		if upd.IsZero() {
			upd = t.created
		}
		d.BillingModeSummary = &api.BillingModeSummary{BillingMode: ptr(t.billing), LastUpdateToPayPerRequestDateTime: ptr(upd)}
		d.OnDemandThroughput = &api.OnDemandThroughput{MaxReadRequestUnits: ptr(int64(-1)), MaxWriteRequestUnits: ptr(int64(-1))}
	}
	if t.tableClass != "STANDARD" {
		d.TableClassSummary = &api.TableClassSummary{TableClass: ptr(t.tableClass)}
	}
	if t.sse != nil && t.sse.Enabled != nil && *t.sse.Enabled {
		typ := "KMS"
		key := deref(t.sse.KMSMasterKeyId)
		if key == "" {
			key = "arn:aws:kms:" + t.region + ":" + t.account + ":key/" + t.id
		}
		d.SSEDescription = &api.SSEDescription{Status: ptr("ENABLED"), SSEType: &typ, KMSMasterKeyArn: &key}
	}
	if st := t.stream; st != nil {
		if st.enabled {
			d.StreamSpecification = &api.StreamSpecification{StreamEnabled: ptr(true), StreamViewType: ptr(st.viewType)}
		}
		d.LatestStreamArn, d.LatestStreamLabel = ptr(st.arn), ptr(st.label)
	}
	for _, ix := range t.lsis {
		d.LocalSecondaryIndexes = append(d.LocalSecondaryIndexes, api.LocalSecondaryIndexDescription{
			IndexName: ptr(ix.name), KeySchema: ix.key.elements(), Projection: ix.projection(),
			IndexArn: ptr(ix.arn), IndexSizeBytes: ptr(ix.size()), ItemCount: ptr(ix.count()),
		})
	}
	for _, ix := range t.gsis {
		g := api.GlobalSecondaryIndexDescription{
			IndexName: ptr(ix.name), KeySchema: ix.key.elements(), Projection: ix.projection(),
			IndexArn: ptr(ix.arn), IndexSizeBytes: ptr(ix.size()), ItemCount: ptr(ix.count()),
			IndexStatus: ptr("ACTIVE"),
			ProvisionedThroughput: &api.ProvisionedThroughputDescription{
				ReadCapacityUnits: ptr(ix.rcu), WriteCapacityUnits: ptr(ix.wcu), NumberOfDecreasesToday: ptr(int64(0)),
			},
		}
		if t.billing == "PAY_PER_REQUEST" {
			g.OnDemandThroughput = &api.OnDemandThroughput{MaxReadRequestUnits: ptr(int64(-1)), MaxWriteRequestUnits: ptr(int64(-1))}
		}
		d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, g)
	}
	return d
}

func (ix *index) projection() *api.Projection {
	return &api.Projection{ProjectionType: ptr(ix.projType), NonKeyAttributes: ix.nonKey}
}

func (ix *index) count() int64 {
	var n int64
	for _, p := range ix.data.parts {
		n += int64(len(p.entries))
	}
	return n
}

func (ix *index) size() int64 {
	var n int64
	for _, p := range ix.data.parts {
		for _, e := range p.entries {
			n += int64(e.size)
		}
	}
	return n
}

func (s *Service) DescribeTable(ctx context.Context, in *api.DescribeTableInput) (*api.DescribeTableOutput, error) {
	t, err := s.describedTable(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	return &api.DescribeTableOutput{Table: t.describe()}, nil
}

func (s *Service) DeleteTable(ctx context.Context, in *api.DeleteTableInput) (*api.DeleteTableOutput, error) {
	t, err := s.describedTable(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	if t.deletionProtect {
		return nil, validationf("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	}
	d := t.describe()
	k := regionKey{t.account, t.region}
	s.mu.Lock()
	if s.tables[k][t.name] == t {
		delete(s.tables[k], t.name)
	}
	s.mu.Unlock()
	t.mu.Lock()
	t.deleted = true
	if t.stream != nil {
		t.stream.disable(s.now())
	}
	t.mu.Unlock()
	if e := s.unpersistTable(t); e != nil {
		return nil, e
	}
	d.TableStatus = ptr("DELETING")
	return &api.DeleteTableOutput{TableDescription: d}, nil
}

func (s *Service) ListTables(ctx context.Context, in *api.ListTablesInput) (*api.ListTablesOutput, error) {
	k := caller(ctx)
	limit := 100
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 100 {
			return nil, validationf("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100", *in.Limit)
		}
		limit = int(*in.Limit)
	}
	s.mu.RLock()
	names := make([]string, 0, len(s.tables[k]))
	for n := range s.tables[k] {
		names = append(names, n)
	}
	s.mu.RUnlock()
	sort.Strings(names)
	start := 0
	if in.ExclusiveStartTableName != nil {
		start = sort.Search(len(names), func(i int) bool { return names[i] > *in.ExclusiveStartTableName })
	}
	out := &api.ListTablesOutput{TableNames: []string{}}
	end := min(start+limit, len(names))
	out.TableNames = append(out.TableNames, names[start:end]...)
	if end < len(names) {
		out.LastEvaluatedTableName = ptr(names[end-1])
	}
	return out, nil
}

func (s *Service) UpdateTable(ctx context.Context, in *api.UpdateTableInput) (*api.UpdateTableOutput, error) {
	t, err := s.describedTable(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	if e := s.updateTable(t, in); e != nil {
		return nil, e
	}
	if e := s.persistTable(t); e != nil {
		return nil, e
	}
	d := t.describe()
	d.TableStatus = ptr("UPDATING")
	return &api.UpdateTableOutput{TableDescription: d}, nil
}

func (s *Service) updateTable(t *table, in *api.UpdateTableInput) *awserr.Error {
	t.mu.Lock()
	defer t.mu.Unlock()
	defs := map[string]string{}
	for _, d := range t.attrDefs {
		defs[deref(d.AttributeName)] = deref(d.AttributeType)
	}
	for _, d := range in.AttributeDefinitions {
		defs[deref(d.AttributeName)] = deref(d.AttributeType)
	}
	changed := false
	if in.BillingMode != nil && *in.BillingMode != t.billing {
		t.billing = *in.BillingMode
		t.billingUpdated = s.now()
		changed = true
	}
	if in.ProvisionedThroughput != nil {
		if t.billing == "PAY_PER_REQUEST" {
			return invalidParam("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
		if e := t.setThroughput(in.ProvisionedThroughput, false); e != nil {
			return e
		}
		changed = true
	} else if t.billing == "PAY_PER_REQUEST" {
		t.rcu, t.wcu = 0, 0
	}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		switch {
		case u.Create != nil:
			used := map[string]bool{}
			for _, ix := range append(append([]*index{}, t.lsis...), t.gsis...) {
				used[ix.name] = true
			}
			if used[deref(u.Create.IndexName)] {
				return invalidParam("Attempting to create an index which already exists")
			}
			if len(t.gsis) >= maxGSIs {
				return validationf("GlobalSecondaryIndex count exceeds the per-table limit of %d", maxGSIs)
			}
			ix, e := newIndex(u.Create.IndexName, u.Create.KeySchema, u.Create.Projection, defs, used, true)
			if e != nil {
				return e
			}
			if e := ix.setThroughput(t.billing, u.Create.ProvisionedThroughput); e != nil {
				return e
			}
			ix.arn = t.arn + "/index/" + ix.name
			ix.created = s.now()
			t.gsis = append(t.gsis, ix)
			t.backfill(ix)
		case u.Delete != nil:
			i := t.gsiIndex(deref(u.Delete.IndexName))
			if i < 0 {
				return api.ErrResourceNotFoundException("Requested resource not found")
			}
			t.gsis = append(t.gsis[:i], t.gsis[i+1:]...)
		case u.Update != nil:
			i := t.gsiIndex(deref(u.Update.IndexName))
			if i < 0 {
				return api.ErrResourceNotFoundException("Requested resource not found")
			}
			if pt := u.Update.ProvisionedThroughput; pt != nil {
				t.gsis[i].rcu, t.gsis[i].wcu = deref64(pt.ReadCapacityUnits), deref64(pt.WriteCapacityUnits)
			}
		}
		changed = true
	}
	t.attrDefs = t.attrDefs[:0:0]
	names := make([]string, 0, len(defs))
	for n := range defs {
		if n == t.key.hash || n == t.key.rng || t.indexUses(n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		t.attrDefs = append(t.attrDefs, api.AttributeDefinition{AttributeName: ptr(n), AttributeType: ptr(defs[n])})
	}
	if spec := in.StreamSpecification; spec != nil {
		enable := spec.StreamEnabled != nil && *spec.StreamEnabled
		switch {
		case enable && t.stream != nil && t.stream.enabled:
			return validationf("Table already has an enabled stream: %s", t.stream.arn)
		case enable:
			if spec.StreamViewType == nil {
				return invalidParam("StreamViewType is required when StreamEnabled is true")
			}
			t.enableStream(*spec.StreamViewType, s.now())
		case t.stream == nil || !t.stream.enabled:
			return validationf("Table already has no enabled stream: %s", t.name)
		default:
			t.stream.disable(s.now())
		}
		changed = true
	}
	if in.DeletionProtectionEnabled != nil {
		t.deletionProtect = *in.DeletionProtectionEnabled
		changed = true
	}
	if in.TableClass != nil {
		t.tableClass = *in.TableClass
		changed = true
	}
	if in.SSESpecification != nil {
		t.sse = in.SSESpecification
		changed = true
	}
	if in.OnDemandThroughput != nil {
		t.onDemand = in.OnDemandThroughput
		changed = true
	}
	if !changed {
		return validationf("The parameter list must not be empty")
	}
	return nil
}

func (t *table) indexUses(name string) bool {
	for _, ix := range append(append([]*index{}, t.lsis...), t.gsis...) {
		if ix.key.hash == name || ix.key.rng == name {
			return true
		}
	}
	return false
}

func (t *table) gsiIndex(name string) int {
	for i, ix := range t.gsis {
		if ix.name == name {
			return i
		}
	}
	return -1
}

// index returns the named secondary index, or nil.
func (t *table) index(name string) *index {
	for _, ix := range t.lsis {
		if ix.name == name {
			return ix
		}
	}
	for _, ix := range t.gsis {
		if ix.name == name {
			return ix
		}
	}
	return nil
}

// backfill indexes the existing items into a new index. The caller holds
// t.mu.
func (t *table) backfill(ix *index) {
	for _, p := range t.data.parts {
		for _, e := range p.entries {
			ix.add(t, e.record)
		}
	}
}

func (s *Service) DescribeLimits(ctx context.Context, in *api.DescribeLimitsInput) (*api.DescribeLimitsOutput, error) {
	return &api.DescribeLimitsOutput{
		AccountMaxReadCapacityUnits: ptr(int64(80000)), AccountMaxWriteCapacityUnits: ptr(int64(80000)),
		TableMaxReadCapacityUnits: ptr(int64(40000)), TableMaxWriteCapacityUnits: ptr(int64(40000)),
	}, nil
}

func (s *Service) DescribeEndpoints(ctx context.Context, in *api.DescribeEndpointsRequest) (*api.DescribeEndpointsResponse, error) {
	k := caller(ctx)
	return &api.DescribeEndpointsResponse{Endpoints: []api.Endpoint{{
		Address: ptr("dynamodb." + k.region + ".amazonaws.com"), CachePeriodInMinutes: ptr(int64(1440)),
	}}}, nil
}

// checkTags applies DynamoDB's tag rules.
func checkTags(tags []api.Tag) *awserr.Error {
	for _, tg := range tags {
		if strings.HasPrefix(deref(tg.Key), "aws:") {
			return validationf("One or more parameter values were invalid: Tag keys starting with 'aws:' are reserved for system use")
		}
	}
	return nil
}

func mergeTags(cur []api.Tag, add []api.Tag) []api.Tag {
	for _, tg := range add {
		replaced := false
		for i := range cur {
			if deref(cur[i].Key) == deref(tg.Key) {
				cur[i].Value = tg.Value
				replaced = true
			}
		}
		if !replaced {
			cur = append(cur, api.Tag{Key: tg.Key, Value: tg.Value})
		}
	}
	return cur
}

// tableByARN resolves a table ARN (or one of its index ARNs) for the tag
// operations.
func (s *Service) tableByARN(ctx context.Context, arn *string) (*table, *awserr.Error) {
	if arn == nil {
		return nil, validationf("1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null")
	}
	parts := strings.SplitN(*arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "dynamodb" || !strings.HasPrefix(parts[5], "table/") {
		return nil, validationf("Invalid TableArn: Invalid ResourceArn provided as input %s", *arn)
	}
	name := strings.SplitN(strings.TrimPrefix(parts[5], "table/"), "/", 2)[0]
	t := s.lookup(regionKey{parts[4], parts[3]}, name)
	if t == nil {
		return nil, api.ErrResourceNotFoundException("Requested resource not found: ResourcArn: " + *arn + " not found")
	}
	return t, nil
}

func (s *Service) TagResource(ctx context.Context, in *api.TagResourceInput) (*api.Empty, error) {
	t, err := s.tableByARN(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if e := checkTags(in.Tags); e != nil {
		return nil, e
	}
	t.mu.Lock()
	merged := mergeTags(append([]api.Tag(nil), t.tags...), in.Tags)
	if len(merged) > maxTags {
		t.mu.Unlock()
		return nil, api.ErrLimitExceededException("The number of tags exceeds the limit of 50 tags per resource")
	}
	t.tags = merged
	t.mu.Unlock()
	if e := s.persistTable(t); e != nil {
		return nil, e
	}
	return &api.Empty{}, nil
}

func (s *Service) UntagResource(ctx context.Context, in *api.UntagResourceInput) (*api.Empty, error) {
	t, err := s.tableByARN(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	var kept []api.Tag
	for _, tg := range t.tags {
		drop := false
		for _, k := range in.TagKeys {
			if deref(tg.Key) == k {
				drop = true
			}
		}
		if !drop {
			kept = append(kept, tg)
		}
	}
	t.tags = kept
	t.mu.Unlock()
	if e := s.persistTable(t); e != nil {
		return nil, e
	}
	return &api.Empty{}, nil
}

func (s *Service) ListTagsOfResource(ctx context.Context, in *api.ListTagsOfResourceInput) (*api.ListTagsOfResourceOutput, error) {
	t, err := s.tableByARN(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	t.mu.RLock()
	tags := append([]api.Tag{}, t.tags...)
	t.mu.RUnlock()
	return &api.ListTagsOfResourceOutput{Tags: tags}, nil
}

// checkTableName applies DynamoDB's naming rules: 3 to 255 characters of
// a-z, A-Z, 0-9, '_', '-' and '.'.
func checkTableName(name string) *awserr.Error {
	if len(name) < 3 {
		return validationf("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3", name)
	}
	if len(name) > 255 {
		return validationf("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return validationf("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", name)
		}
	}
	return nil
}
