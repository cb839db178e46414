using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace DecisionGraph.Fixtures;

/// <summary>
/// Makes a DecisionGraph-shaped data set from a seed and streams it, row by row, into an <see cref="IDecisionGraphSink"/>.
/// <para>
/// The event log is written as a running system would write it: <see cref="Window"/> traces are in flight at once and
/// their events interleave; each trace starts with TraceStarted at trace_seq 0, continues contiguously and, for most
/// traces, ends with TraceFinished (about 8% stay open). log_seq, ids and times come from the seed and a fixed
/// <see cref="Epoch"/>, never from the clock, so the same seed yields the same rows, byte for byte.
/// </para>
/// <para>
/// The projections are built from the same events as they are made, so they agree with the log: a trace's summary and
/// graph node are written when its last event is; cursors, digests and workflow runtime rows sit at each tenant's head
/// and are written at the end. Memory holds only the traces in flight and bounded per-tenant state (shared graph
/// nodes, recent traces to cite), never a table.
/// </para>
/// </summary>
public sealed class DecisionGraphGenerator
{
    /// <summary>The first event is recorded shortly after this instant; every time is derived from it.</summary>
    public static readonly DateTime Epoch = new(2025, 3, 3, 6, 0, 0, DateTimeKind.Utc);

    /// <summary>How many traces are in flight at once.</summary>
    public const int Window = 32;

    /// <summary>A tenant's event-chain digest is checkpointed every this many of its events, and at its head.</summary>
    public const int DigestEvery = 5000;

    public const string DigestProjection = "event_chain";

    private static readonly string[] ProjectionNames =
        ["trace_summary", "context_graph", "policy_eval_index", "precedent_index", "workflow"];

    private static readonly string[] WorkflowNames = ["exception-review", "manual-review"];

    /// <summary>The projections that have cursors and runs.</summary>
    public static IReadOnlyList<string> Projections => ProjectionNames;

    /// <summary>The workflows that items belong to: exceptions, and reviews.</summary>
    public static IReadOnlyList<string> Workflows => WorkflowNames;

    private static readonly string[] FixedTenants =
        ["default", "acme-logistics", "müller-bäckerei", "o'brien-credit", "東京-ops", "zeta\\bank"];

    private static readonly string[] Channels = ["web", "mobile", "api", "batch", "branch", "partner"];
    private static readonly string[] EntityTypes = ["customer", "merchant", "account", "device", "counterparty"];
    private static readonly string[] PolicyFamilies = ["aml", "kyc", "credit", "fraud", "limits", "sanctions"];
    private static readonly string[] InputFields = ["amount", "country", "iban", "birth_date", "device_id", "email", "income", "employer"];
    private static readonly string[] ActionKinds = ["refund", "credit_limit_increase", "account_freeze", "manual_payout", "fee_waiver"];
    private static readonly string[] Currencies = ["EUR", "USD", "GBP", "CHF", "JPY", "SEK"];
    private static readonly string[] ErrorClasses =
        ["Npgsql.PostgresException", "System.TimeoutException", "System.Text.Json.JsonException", "DecisionGraph.ProjectionConflict"];
    private static readonly string[] Workers = ["projector-0", "projector-1", "projector-2"];
    private static readonly string[] NotificationChannels = ["email", "slack", "webhook"];
    private static readonly int[] OffsetMinutes = [60, 120, 330, 540, -300, -480];
    private static readonly string?[] TagSets =
    [
        "[\"priority\"]", "[\"eu\",\"gdpr\"]", "[\"fraud\",\"high-risk\"]", "[\"vip\"]", "[\"batch\",\"backfill\"]",
        "[\"ünïcode-tag\",\"日本\"]", "[]", "[\"needs \\\"review\\\"\"]",
    ];

    private static readonly JsonWriterOptions JsonOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private readonly SeedOptions _options;
    private readonly SeedRandom _random;
    private readonly SeedValuePools _pools;
    private readonly Tenant[] _tenants;
    private readonly int[] _tenantWeights;
    private readonly int _tenantWeightTotal;
    private readonly Dictionary<(int Tenant, byte Kind, int Key), SharedNode> _sharedNodes = [];
    private readonly List<SharedNode> _sharedNodesInOrder = [];
    private readonly ArrayBufferWriter<byte> _json = new(16 * 1024);
    private readonly Utf8JsonWriter _writer;
    private readonly byte[] _hash = new byte[32];
    private readonly byte[] _hashHex = new byte[64];

    private IDecisionGraphSink _sink = null!;
    private long _clockTicks;
    private long _logSeq;
    private long _nodeId;
    private long _runId;
    private long _actionId;
    private int _tracesCreated;
    private bool _ran;

    public DecisionGraphGenerator(SeedOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _random = new SeedRandom(options.Seed);
        _pools = new SeedValuePools(_random);
        _writer = new Utf8JsonWriter(_json, JsonOptions);

        _tenants = new Tenant[options.Tenants];
        _tenantWeights = new int[options.Tenants];
        for (var i = 0; i < _tenants.Length; i++)
        {
            var id = i < FixedTenants.Length ? FixedTenants[i] : "tenant-" + (i + 1).ToString("D3", CultureInfo.InvariantCulture);
            _tenants[i] = new Tenant(i, id);
            _tenantWeights[i] = 1000 / (i + 1); // a few big tenants, a long tail of small ones
            _tenantWeightTotal += _tenantWeights[i];
        }
    }

    /// <summary>Traces whose last event has been written.</summary>
    public long TracesCompleted { get; private set; }

    /// <summary>Event-log rows written so far.</summary>
    public long EventRows => _logSeq;

    /// <summary>Rows written so far, all tables.</summary>
    public long Rows { get; private set; }

    /// <summary>
    /// Writes the whole data set into <paramref name="sink"/>. <paramref name="tick"/> runs every few thousand events
    /// (progress); cancellation is checked as often. A generator runs once.
    /// </summary>
    public void Run(IDecisionGraphSink sink, Action? tick = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (_ran)
        {
            throw new InvalidOperationException("A DecisionGraphGenerator runs once; make a new one for another run.");
        }

        _ran = true;
        _sink = sink;

        var active = new List<Trace>(Window);
        while (active.Count < Window && _tracesCreated < _options.Traces)
        {
            active.Add(NewTrace());
        }

        while (active.Count > 0)
        {
            var slot = _random.Next(active.Count);
            var trace = active[slot];
            WriteEvent(trace);
            if (trace.Next == trace.Length)
            {
                Complete(trace);
                if (_tracesCreated < _options.Traces)
                {
                    active[slot] = NewTrace();
                }
                else
                {
                    active.RemoveAt(slot);
                }
            }

            if ((_logSeq & 4095) == 0)
            {
                ct.ThrowIfCancellationRequested();
                tick?.Invoke();
            }
        }

        foreach (var tenant in _tenants)
        {
            FinishTenant(tenant);
        }

        foreach (var node in _sharedNodesInOrder)
        {
            Emit(new GraphNodeRow(
                node.Id, _tenants[node.Tenant].Id, node.Type, node.NaturalKey, node.Label, node.PropertiesJson,
                node.FirstSeen, node.LastSeen, node.CreatedAt));
        }

        tick?.Invoke();
    }

    // ---- traces ---------------------------------------------------------------------------------------------------

    private Trace NewTrace()
    {
        var index = _tracesCreated++;
        var tenant = index < _tenants.Length ? _tenants[index] : PickTenant();
        var trace = new Trace { Tenant = tenant };

        var plan = trace.Plan;
        var n = 0;
        plan[n++] = Kind.TraceStarted;
        for (var i = _random.Between(1, 2); i > 0; i--)
        {
            plan[n++] = _random.Percent(60) ? Kind.InputObserved : Kind.EntityObserved;
        }

        if (_random.Percent(25))
        {
            plan[n++] = Kind.PrecedentCited;
        }

        for (var i = _random.Between(1, 2); i > 0; i--)
        {
            plan[n++] = Kind.PolicyEvaluated;
        }

        var rejected = false;
        if (_random.Percent(20))
        {
            plan[n++] = Kind.ExceptionRequested;
            if (_random.Percent(75))
            {
                trace.Approvals[trace.PlannedApprovals] = _random.Percent(80);
                rejected |= !trace.Approvals[trace.PlannedApprovals++];
                plan[n++] = Kind.ApprovalRecorded;
            }
        }

        if (_random.Percent(12))
        {
            plan[n++] = Kind.WorkflowReviewRequested;
            if (_random.Percent(60))
            {
                trace.Approvals[trace.PlannedApprovals] = _random.Percent(80);
                rejected |= !trace.Approvals[trace.PlannedApprovals++];
                plan[n++] = Kind.ApprovalRecorded;
            }
        }

        if (!rejected && _random.Percent(55))
        {
            plan[n++] = Kind.ActionProposed;
            if (_random.Percent(80))
            {
                plan[n++] = Kind.ActionCommitted;
            }
        }

        plan[n++] = Kind.TraceFinished;

        // About 8% of traces are still open: they stop somewhere before TraceFinished.
        trace.Length = _random.PerMille(80) ? _random.Between(1, n - 1) : n;
        return trace;
    }

    private Tenant PickTenant()
    {
        var ticket = _random.Next(_tenantWeightTotal);
        for (var i = 0; i < _tenantWeights.Length; i++)
        {
            ticket -= _tenantWeights[i];
            if (ticket < 0)
            {
                return _tenants[i];
            }
        }

        return _tenants[^1];
    }

    private void WriteEvent(Trace trace)
    {
        var tenant = trace.Tenant;
        var kind = trace.Plan[trace.Next];
        if (kind == Kind.PrecedentCited && tenant.RecentCount < 2)
        {
            kind = trace.Plan[trace.Next] = Kind.EntityObserved; // nothing earlier to cite yet
        }

        var seq = trace.Next++;
        var logSeq = ++_logSeq;
        _clockTicks += _random.Between(200, 250_000) * TimeSpan.TicksPerMicrosecond;
        var recorded = Epoch.AddTicks(_clockTicks);

        // Producers stamp their own time, a little earlier, in milliseconds (some in seconds) and sometimes with an offset.
        var secondsOnly = _random.PerMille(40);
        var occurred = Truncate(recorded.AddTicks(-_random.Between(0, 1_500_000) * TimeSpan.TicksPerMicrosecond),
            secondsOnly ? TimeSpan.TicksPerSecond : TimeSpan.TicksPerMillisecond);
        if (occurred < trace.LastOccurred)
        {
            occurred = trace.LastOccurred;
        }

        var occurredText = FormatOccurred(occurred);
        var eventId = _random.Uuid7(recorded);

        if (seq == 0)
        {
            trace.TraceId = _random.Ulid(occurred, "trc_");
            trace.CorrelationId = _random.Percent(92) ? _random.Ulid(occurred, "corr_") : null;
            trace.Subject = _random.Pick(_pools.PersonNames);
            trace.SubjectEmail = _random.Pick(_pools.Emails);
            trace.Channel = _random.Pick(Channels);
            trace.Currency = _random.Pick(Currencies);
            trace.NodeId = ++_nodeId;
            trace.FirstLogSeq = logSeq;
            trace.StartedAt = occurred;
            tenant.Remember(trace.TraceId, trace.NodeId);
        }

        var (producer, subsystem) = Producer(kind);
        string actorType;
        string? actorId;
        var actorIndex = -1;
        switch (kind)
        {
            case Kind.TraceStarted when _random.Percent(60):
                (actorType, actorId) = ("user", trace.SubjectEmail);
                break;
            case Kind.ApprovalRecorded or Kind.ExceptionRequested:
                actorIndex = _random.Next(_pools.Emails.Length);
                (actorType, actorId) = ("user", _pools.Emails[actorIndex]);
                break;
            default:
                (actorType, actorId) = _random.Percent(4) ? ("system", null) : ("service", producer);
                break;
        }

        var idempotencyKey = producer switch
        {
            "dg-ingest" => _random.Percent(95) ? _random.Ulid(recorded, "req_") : null,
            "policy-engine" => string.Concat(trace.TraceId, ":", seq.ToString(CultureInfo.InvariantCulture)),
            "workflow-service" => _random.Uuid4().ToString(),
            "action-runner" => _random.Ulid(recorded, "act_"),
            "dg-orchestrator" => trace.TraceId + ":finish",
            _ => null,
        };

        var schemaVersion = kind switch
        {
            Kind.PolicyEvaluated => _random.Percent(70) ? 2 : 1,
            Kind.ActionProposed => 3,
            _ => 1,
        };

        var at = new EventContext(trace, kind, seq, logSeq, occurred, recorded, actorId, actorIndex);
        var payload = Payload(at, out var payloadHash);

        Emit(new EventLogRow(
            logSeq,
            tenant.Id,
            eventId,
            trace.TraceId,
            seq,
            DecisionGraphSchema.EventTypes[(int)kind],
            occurredText,
            Iso(recorded),
            producer,
            _random.Percent(3) && kind is Kind.InputObserved or Kind.EntityObserved ? "legacy-crm" : "decisiongraph",
            _random.Percent(85) ? subsystem : null,
            actorType,
            actorId,
            trace.CorrelationId,
            seq == 0 ? null : trace.LastEventId.ToString(),
            idempotencyKey,
            schemaVersion,
            payload,
            payloadHash,
            _random.Percent(55) ? _random.Pick(TagSets) : null));

        trace.LastEventId = eventId;
        trace.LastOccurred = occurred;
        trace.LastRecorded = recorded;
        trace.LastLogSeq = logSeq;
        trace.LastKind = kind;
        tenant.Observe(logSeq, recorded, _hashHex);
        AfterTenantEvent(tenant, logSeq, recorded);
    }

    /// <summary>The event's payload JSON, its SHA-256 (hex), and the projection rows the event produces.</summary>
    private string Payload(in EventContext at, out string payloadHash)
    {
        var trace = at.Trace;
        var tenant = trace.Tenant;
        _json.ResetWrittenCount();
        _writer.Reset(_json);
        var w = _writer;
        w.WriteStartObject();
        switch (at.Kind)
        {
            case Kind.TraceStarted:
                w.WriteString("traceId", trace.TraceId);
                w.WriteString("channel", trace.Channel);
                w.WriteStartObject("subject");
                w.WriteString("name", trace.Subject);
                w.WriteString("email", trace.SubjectEmail);
                w.WriteString("city", _random.Pick(_pools.Cities));
                w.WriteEndObject();
                w.WriteStartObject("request");
                w.WriteString("ip", _random.Pick(_pools.IpAddresses));
                w.WriteString("userAgent", _random.Pick(_pools.UserAgents));
                w.WriteEndObject();
                if (_random.Percent(30))
                {
                    w.WriteString("note", _random.Pick(_pools.Sentences));
                }

                break;

            case Kind.InputObserved:
                var field = _random.Pick(InputFields);
                w.WriteStartObject("input");
                w.WriteString("field", field);
                if (field is "amount" or "income")
                {
                    w.WriteNumber("value", Money());
                }
                else
                {
                    w.WriteString("value", field == "email" ? _random.Pick(_pools.Emails) : _random.Pick(_pools.Sentences));
                }

                w.WriteString("source", _random.Pick(Channels));
                w.WriteEndObject();
                if (_random.PerMille(25))
                {
                    w.WriteString("document", _random.Pick(_pools.Documents));
                }

                break;

            case Kind.EntityObserved:
                var entity = SharedNodeFor(tenant, NodeKind.Entity, _random.Next(2000), at);
                var confidence = _random.Between(5000, 10000) / 10000m;
                w.WriteStartObject("entity");
                w.WriteString("type", entity.Type == "entity" ? EntityTypeOf(entity.NaturalKey) : entity.Type);
                w.WriteString("key", entity.NaturalKey);
                w.WriteString("name", entity.Label);
                w.WriteEndObject();
                w.WriteNumber("confidence", confidence);
                Emit(new GraphEdgeRow(tenant.Id, trace.NodeId, entity.Id, "OBSERVED", confidence, at.LogSeq, at.Recorded));
                break;

            case Kind.PolicyEvaluated:
                var policy = SharedNodeFor(tenant, NodeKind.Policy, _random.Next(24), at);
                var version = _random.Between(1, 5);
                var roll = _random.Next(100);
                var decision = roll < 70 ? "allow" : roll < 90 ? "review" : "deny";
                var score = _random.Between(0, 10000) / 10000m;
                string? ruleHits = null;
                w.WriteString("policyId", policy.NaturalKey);
                w.WriteNumber("policyVersion", version);
                w.WriteString("decision", decision);
                w.WriteNumber("score", score);
                if (_random.Percent(70))
                {
                    var hits = new StringBuilder("[");
                    w.WriteStartArray("rules");
                    for (var i = _random.Between(1, 4); i > 0; i--)
                    {
                        var rule = "R" + _random.Between(100, 999).ToString(CultureInfo.InvariantCulture);
                        var hit = _random.Percent(40);
                        w.WriteStartObject();
                        w.WriteString("rule", rule);
                        w.WriteBoolean("hit", hit);
                        w.WriteEndObject();
                        hits.Append(hits.Length > 1 ? "," : "").Append("{\"rule\":\"").Append(rule).Append("\",\"hit\":").Append(hit ? "true" : "false").Append('}');
                    }

                    w.WriteEndArray();
                    ruleHits = hits.Append(']').ToString();
                }

                trace.PolicyEvaluations++;
                Emit(new PolicyEvalRow(tenant.Id, at.LogSeq, trace.TraceId, policy.NaturalKey, version, decision, score, ruleHits, at.Occurred));
                Emit(new GraphEdgeRow(tenant.Id, trace.NodeId, policy.Id, "EVALUATED_BY", score, at.LogSeq, at.Recorded));
                break;

            case Kind.ExceptionRequested:
            case Kind.WorkflowReviewRequested:
                var exception = at.Kind == Kind.ExceptionRequested;
                var reason = _random.Pick(_pools.Sentences);
                w.WriteString(exception ? "reason" : "queue", exception ? reason : "review-" + _random.Pick(PolicyFamilies));
                w.WriteString("requestedBy", at.ActorId ?? "system");
                w.WriteNumber("priority", _random.Between(1, 3));
                if (exception)
                {
                    trace.Exceptions++;
                }

                OpenItem(trace, at, exception, reason);
                break;

            case Kind.ApprovalRecorded:
                var approved = trace.Approvals[trace.ApprovalsSeen++];
                var comment = _random.Percent(60) ? _random.Pick(_pools.Sentences) : null;
                w.WriteBoolean("approved", approved);
                w.WriteString("approver", at.ActorId);
                if (comment is not null)
                {
                    w.WriteString("comment", comment);
                }

                trace.HasApproval = true;
                trace.Rejected |= !approved;
                var approver = SharedNodeFor(tenant, NodeKind.Actor, at.ActorIndex, at);
                Emit(new GraphEdgeRow(tenant.Id, trace.NodeId, approver.Id, approved ? "APPROVED_BY" : "REJECTED_BY", 1m, at.LogSeq, at.Recorded));
                var item = trace.LastOpenItem();
                if (item is not null)
                {
                    item.State = approved ? "approved" : "rejected";
                    item.ClosedAt = at.Occurred;
                }

                Emit(new WorkflowActionRow(
                    ++_actionId, item?.ItemId, tenant.Id, trace.TraceId, at.LogSeq, approved ? "approve" : "reject", at.ActorId,
                    at.Occurred, null, null, comment));
                break;

            case Kind.PrecedentCited:
                var (citedTrace, citedNode) = tenant.Cite(_random, trace.TraceId);
                var similarity = _random.Between(5000, 9999) / 10000.0;
                var rationale = _random.Percent(70) ? _random.Pick(_pools.Sentences) : null;
                w.WriteString("citedTrace", citedTrace);
                w.WriteNumber("similarity", similarity);
                if (rationale is not null)
                {
                    w.WriteString("rationale", rationale);
                }

                Emit(new PrecedentRow(_random.Uuid4(), tenant.Id, trace.TraceId, citedTrace, at.LogSeq, similarity, at.Occurred, rationale));
                Emit(new GraphEdgeRow(tenant.Id, trace.NodeId, citedNode, "CITES", (decimal)similarity, at.LogSeq, at.Recorded));
                break;

            case Kind.ActionProposed:
                trace.ActionKind = _random.Pick(ActionKinds);
                trace.ProposedAmount = Money();
                w.WriteString("action", trace.ActionKind);
                w.WriteNumber("amount", trace.ProposedAmount);
                w.WriteString("currency", trace.Currency);
                Emit(new WorkflowActionRow(
                    ++_actionId, trace.LastItem()?.ItemId, tenant.Id, trace.TraceId, at.LogSeq, "propose", at.ActorId, at.Occurred,
                    trace.ProposedAmount, trace.Currency, trace.ActionKind));
                break;

            case Kind.ActionCommitted:
                var reference = _random.Ulid(at.Recorded, "ref_");
                w.WriteString("action", trace.ActionKind);
                w.WriteNumber("amount", trace.ProposedAmount);
                w.WriteString("currency", trace.Currency);
                w.WriteString("reference", reference);
                trace.CommittedAmount = (trace.CommittedAmount ?? 0m) + trace.ProposedAmount;
                Emit(new WorkflowActionRow(
                    ++_actionId, trace.LastItem()?.ItemId, tenant.Id, trace.TraceId, at.LogSeq, "commit", at.ActorId, at.Occurred,
                    trace.ProposedAmount, trace.Currency, reference));
                break;

            case Kind.TraceFinished:
                trace.Outcome = trace.Rejected ? "rejected"
                    : trace.Exceptions > 0 && !trace.HasApproval ? "escalated"
                    : trace.CommittedAmount is not null ? "completed"
                    : "no_action";
                trace.FinishedAt = at.Occurred;
                w.WriteString("outcome", trace.Outcome);
                w.WriteNumber("durationMs", (long)(at.Occurred - trace.StartedAt).TotalMilliseconds);
                w.WriteNumber("events", at.Seq + 1);
                break;
        }

        w.WriteEndObject();
        w.Flush();

        var utf8 = _json.WrittenSpan;
        SHA256.HashData(utf8, _hash);
        payloadHash = Convert.ToHexStringLower(_hash);
        Encoding.ASCII.GetBytes(payloadHash, _hashHex);
        return Encoding.UTF8.GetString(utf8);
    }

    private void OpenItem(Trace trace, in EventContext at, bool exception, string reason)
    {
        var tenant = trace.Tenant;
        var workflow = exception ? 0 : 1;
        var item = new Item
        {
            ItemId = _random.Uuid4(),
            SourceLogSeq = at.LogSeq,
            Workflow = workflow,
            Kind = exception ? "exception" : "review",
            Priority = (short)_random.Between(1, 3),
            Assignee = _random.Percent(65) ? _random.Pick(_pools.Emails) : null,
            CreatedAt = at.Recorded,
            DueAt = at.Recorded.AddHours(_random.Between(4, 72)),
            Reason = reason,
            Note = _random.Percent(25) ? _random.Pick(_pools.Sentences) : null,
        };
        trace.Items.Add(item);
        tenant.LastItemAt[workflow] = at.Recorded;

        Emit(new WorkflowActionRow(++_actionId, item.ItemId, tenant.Id, trace.TraceId, at.LogSeq, "open", at.ActorId, at.Recorded, null, null, null));
        if (_random.Percent(30))
        {
            // A comment typed into the workflow UI: no event behind it.
            Emit(new WorkflowActionRow(
                ++_actionId, item.ItemId, tenant.Id, trace.TraceId, null, "comment", _random.Pick(_pools.Emails),
                at.Recorded.AddSeconds(_random.Between(5, 3600)), null, null, _random.Pick(_pools.Sentences)));
        }
    }

    /// <summary>The trace's last event is written: its summary, graph node, workflow items and notifications.</summary>
    private void Complete(Trace trace)
    {
        var tenant = trace.Tenant;
        var finished = trace.LastKind == Kind.TraceFinished;
        foreach (var item in trace.Items)
        {
            if (item.State == "open" && finished && _random.Percent(30))
            {
                item.State = "expired";
                item.ClosedAt = item.DueAt;
            }

            if (item.State == "open")
            {
                tenant.OpenItems[item.Workflow]++;
            }

            tenant.Items[item.Workflow]++;
            _json.ResetWrittenCount();
            _writer.Reset(_json);
            _writer.WriteStartObject();
            _writer.WriteString("reason", item.Reason);
            _writer.WriteString("channel", trace.Channel);
            _writer.WriteString("subject", trace.Subject);
            _writer.WriteNumber("policyEvaluations", trace.PolicyEvaluations);
            _writer.WriteEndObject();
            _writer.Flush();
            var details = Encoding.UTF8.GetString(_json.WrittenSpan);

            Emit(new WorkflowItemRow(
                item.ItemId, tenant.Id, trace.TraceId, item.SourceLogSeq, WorkflowNames[item.Workflow], item.Kind, item.State,
                item.Priority, item.Assignee, item.CreatedAt, item.DueAt, item.ClosedAt, details, item.Note));

            for (var i = _random.Between(0, 2); i > 0; i--)
            {
                var channel = _random.Pick(NotificationChannels);
                var attempt = _random.Between(1, 3);
                var delivered = _random.Percent(85);
                var message = $"{WorkflowNames[item.Workflow]}: {trace.Subject} — {item.Reason}";
                var body = Encoding.UTF8.GetBytes(message);
                if (channel == "webhook")
                {
                    // a signature header in front of the body: bytes that are not text
                    var signed = new byte[32 + body.Length];
                    for (var b = 0; b < 32; b += 8)
                    {
                        BitConverter.TryWriteBytes(signed.AsSpan(b), _random.Bits64());
                    }

                    body.CopyTo(signed, 32);
                    body = signed;
                }

                Emit(new WorkflowNotificationRow(
                    tenant.Id, item.ItemId, channel,
                    channel == "email" ? item.Assignee ?? _random.Pick(_pools.Emails) : channel == "slack" ? "#" + WorkflowNames[item.Workflow] : "https://hooks.example.com/" + tenant.Index.ToString(CultureInfo.InvariantCulture),
                    attempt,
                    delivered || _random.Percent(50) ? item.CreatedAt.AddSeconds(attempt * 30) : null,
                    delivered,
                    body,
                    item.CreatedAt));
            }
        }

        var eventCount = trace.Length;
        Emit(new GraphNodeRow(
            trace.NodeId, tenant.Id, "trace", trace.TraceId, trace.Subject,
            $"{{\"channel\":\"{trace.Channel}\",\"events\":{eventCount.ToString(CultureInfo.InvariantCulture)},\"status\":\"{(finished ? "finished" : "open")}\"}}",
            trace.FirstLogSeq, trace.LastLogSeq, trace.StartedAt));

        Emit(new TraceSummaryRow(
            tenant.Id, trace.TraceId, eventCount, trace.FirstLogSeq, trace.LastLogSeq, trace.StartedAt, trace.FinishedAt,
            finished ? "finished" : "open", trace.Outcome, DecisionGraphSchema.EventTypes[(int)trace.LastKind],
            trace.PolicyEvaluations, trace.Exceptions, trace.HasApproval, trace.CommittedAmount,
            trace.LastRecorded.AddMilliseconds(_random.Between(1, 400))));

        TracesCompleted++;
    }

    private void FinishTenant(Tenant tenant)
    {
        if (tenant.Events == 0)
        {
            return;
        }

        FlushRuns(tenant);
        if (tenant.LastDigestAt != tenant.Head)
        {
            EmitDigest(tenant);
        }

        foreach (var projection in ProjectionNames)
        {
            Emit(new ProjectionCursorRow(tenant.Id, projection, tenant.Head, tenant.Events, tenant.LastRecorded.AddMilliseconds(_random.Between(5, 900))));
        }

        for (var workflow = 0; workflow < WorkflowNames.Length; workflow++)
        {
            var leased = _random.Percent(50);
            var lastItem = tenant.LastItemAt[workflow];
            Emit(new WorkflowRuntimeRow(
                tenant.Id,
                WorkflowNames[workflow],
                _random.Between(1, 7),
                string.Create(CultureInfo.InvariantCulture,
                    $"{{\"openItems\":{tenant.OpenItems[workflow]},\"totalItems\":{tenant.Items[workflow]},\"lastItemAt\":{(lastItem == default ? "null" : "\"" + Iso(lastItem) + "\"")}}}"),
                tenant.Index % 4 == 3 && workflow == 1,
                leased ? _random.Pick(Workers) : null,
                leased ? tenant.LastRecorded.AddSeconds(30) : null,
                tenant.LastRecorded,
                tenant.OpenItems[workflow]));
        }
    }

    // ---- per-tenant bookkeeping: runs, digests, failures ----------------------------------------------------------

    private void FlushRuns(Tenant tenant)
    {
        if (tenant.BatchEvents == 0)
        {
            return;
        }

        var started = tenant.LastRecorded.AddMilliseconds(_random.Between(10, 2000));
        foreach (var projection in ProjectionNames)
        {
            var duration = _random.Between(3, 900);
            Emit(new ProjectionRunRow(
                ++_runId, projection, tenant.Id, tenant.BatchFirst, tenant.Head, tenant.BatchEvents, started,
                started.AddMilliseconds(duration), duration, tenant.BatchFailures > 0 ? "succeeded_with_failures" : "succeeded",
                _random.Pick(Workers)));
        }

        tenant.BatchEvents = 0;
        tenant.BatchFailures = 0;
        tenant.BatchTarget = _random.Between(200, 800);
    }

    private void EmitDigest(Tenant tenant)
    {
        Emit(new ProjectionDigestRow(
            tenant.Id, DigestProjection, tenant.Head, tenant.Chain.GetCurrentHash(), tenant.Events,
            tenant.LastRecorded.AddMilliseconds(_random.Between(1, 500))));
        tenant.LastDigestAt = tenant.Head;
    }

    private void AfterTenantEvent(Tenant tenant, long logSeq, DateTime recorded)
    {
        if (tenant.BatchEvents == 0)
        {
            tenant.BatchFirst = logSeq;
        }

        tenant.BatchEvents++;
        if (_random.PerMille(2))
        {
            var resolved = _random.Percent(90);
            Emit(new ProjectionFailureRow(
                tenant.Id, _random.Pick(ProjectionNames), logSeq, _random.Pick(ErrorClasses),
                "could not apply event " + logSeq.ToString(CultureInfo.InvariantCulture) + ": " + _random.Pick(_pools.Sentences),
                recorded.AddMilliseconds(_random.Between(1, 5000)), _random.Between(1, 5), resolved));
            tenant.BatchFailures++;
        }

        if (tenant.Events % DigestEvery == 0)
        {
            EmitDigest(tenant);
        }

        if (tenant.BatchEvents >= tenant.BatchTarget)
        {
            FlushRuns(tenant);
        }
    }

    // ---- graph nodes shared between traces (entities, policies, actors) --------------------------------------------

    /// <summary>The tenant's node for an entity, policy or actor (by its index in that universe), made on first sight.</summary>
    private SharedNode SharedNodeFor(Tenant tenant, NodeKind kind, int key, in EventContext at)
    {
        if (!_sharedNodes.TryGetValue((tenant.Index, (byte)kind, key), out var node))
        {
            node = kind switch
            {
                NodeKind.Entity => NewEntity(tenant, key, at),
                NodeKind.Policy => NewNode(tenant, "policy", $"pol-{PolicyFamilies[key % PolicyFamilies.Length]}-{key:D3}",
                    _random.Pick(_pools.Sentences), $"{{\"family\":\"{PolicyFamilies[key % PolicyFamilies.Length]}\",\"owner\":\"{JsonEncodedText.Encode(_random.Pick(_pools.Companies), JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\"}}", at),
                _ => NewNode(tenant, "actor", _pools.Emails[key], _random.Pick(_pools.PersonNames), "{\"kind\":\"user\"}", at),
            };
            _sharedNodes.Add((tenant.Index, (byte)kind, key), node);
        }

        node.LastSeen = at.LogSeq;
        return node;
    }

    private SharedNode NewEntity(Tenant tenant, int key, in EventContext at)
    {
        var type = EntityTypes[key % EntityTypes.Length];
        var label = type is "merchant" or "counterparty" ? _random.Pick(_pools.Companies) : _random.Pick(_pools.PersonNames);
        var city = _random.Pick(_pools.Cities);
        var properties = $"{{\"entityType\":\"{type}\",\"city\":\"{JsonEncodedText.Encode(city, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\",\"risk\":{_random.Between(0, 100)}}}";
        return NewNode(tenant, "entity", $"{type}:{char.ToUpperInvariant(type[0])}-{key:D6}", label, properties, at);
    }

    private SharedNode NewNode(Tenant tenant, string type, string naturalKey, string? label, string properties, in EventContext at)
    {
        var node = new SharedNode
        {
            Id = ++_nodeId,
            Tenant = tenant.Index,
            Type = type,
            NaturalKey = naturalKey,
            Label = label,
            PropertiesJson = properties,
            FirstSeen = at.LogSeq,
            CreatedAt = at.Recorded,
        };
        _sharedNodesInOrder.Add(node);
        return node;
    }

    private static string EntityTypeOf(string naturalKey) => naturalKey[..naturalKey.IndexOf(':', StringComparison.Ordinal)];

    // ---- small helpers -------------------------------------------------------------------------------------------

    private decimal Money() => _random.Between(100, 2_500_000) / 100m;

    private static (string Producer, string Subsystem) Producer(Kind kind) => kind switch
    {
        Kind.TraceStarted => ("dg-ingest", "api-gateway"),
        Kind.InputObserved => ("dg-ingest", "input-normalizer"),
        Kind.EntityObserved => ("entity-resolver", "matching"),
        Kind.PolicyEvaluated => ("policy-engine", "rules"),
        Kind.ExceptionRequested => ("workflow-service", "exceptions"),
        Kind.ApprovalRecorded => ("workflow-service", "approvals"),
        Kind.WorkflowReviewRequested => ("workflow-service", "reviews"),
        Kind.PrecedentCited => ("precedent-search", "similarity"),
        Kind.ActionProposed => ("action-runner", "planner"),
        Kind.ActionCommitted => ("action-runner", "executor"),
        _ => ("dg-orchestrator", "lifecycle"),
    };

    private static DateTime Truncate(DateTime value, long unit) => new(value.Ticks - (value.Ticks % unit), DateTimeKind.Utc);

    /// <summary>recorded_at: UTC with microseconds, as the log stamps it.</summary>
    internal static string Iso(DateTime utc) =>
        utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>occurred_at as producers send it: milliseconds (or whole seconds), mostly UTC, sometimes with an offset.</summary>
    private string FormatOccurred(DateTime occurred)
    {
        var wholeSecond = occurred.Ticks % TimeSpan.TicksPerSecond == 0;
        var format = wholeSecond ? "yyyy-MM-dd'T'HH:mm:ss" : "yyyy-MM-dd'T'HH:mm:ss.fff";
        if (_random.Percent(12))
        {
            var offset = TimeSpan.FromMinutes(_random.Pick(OffsetMinutes));
            return new DateTimeOffset(occurred).ToOffset(offset).ToString(format + "zzz", CultureInfo.InvariantCulture);
        }

        return occurred.ToString(format + "'Z'", CultureInfo.InvariantCulture);
    }

    private void Emit(in EventLogRow row) { _sink.EventLog(row); Rows++; }

    private void Emit(in ProjectionCursorRow row) { _sink.ProjectionCursor(row); Rows++; }

    private void Emit(in GraphNodeRow row) { _sink.GraphNode(row); Rows++; }

    private void Emit(in GraphEdgeRow row) { _sink.GraphEdge(row); Rows++; }

    private void Emit(in TraceSummaryRow row) { _sink.TraceSummary(row); Rows++; }

    private void Emit(in PolicyEvalRow row) { _sink.PolicyEval(row); Rows++; }

    private void Emit(in PrecedentRow row) { _sink.Precedent(row); Rows++; }

    private void Emit(in ProjectionDigestRow row) { _sink.ProjectionDigest(row); Rows++; }

    private void Emit(in ProjectionFailureRow row) { _sink.ProjectionFailure(row); Rows++; }

    private void Emit(in ProjectionRunRow row) { _sink.ProjectionRun(row); Rows++; }

    private void Emit(in WorkflowRuntimeRow row) { _sink.WorkflowRuntime(row); Rows++; }

    private void Emit(in WorkflowItemRow row) { _sink.WorkflowItem(row); Rows++; }

    private void Emit(in WorkflowActionRow row) { _sink.WorkflowAction(row); Rows++; }

    private void Emit(in WorkflowNotificationRow row) { _sink.WorkflowNotification(row); Rows++; }

    // ---- state ---------------------------------------------------------------------------------------------------

    private enum Kind : byte
    {
        TraceStarted,
        InputObserved,
        EntityObserved,
        PolicyEvaluated,
        ExceptionRequested,
        ApprovalRecorded,
        WorkflowReviewRequested,
        PrecedentCited,
        ActionProposed,
        ActionCommitted,
        TraceFinished,
    }

    private enum NodeKind : byte
    {
        Entity,
        Policy,
        Actor,
    }

    private readonly record struct EventContext(
        Trace Trace, Kind Kind, int Seq, long LogSeq, DateTime Occurred, DateTime Recorded, string? ActorId, int ActorIndex);

    private sealed class Trace
    {
        public required Tenant Tenant { get; init; }
        public Kind[] Plan { get; } = new Kind[16];
        public int Length { get; set; }
        public int Next { get; set; }
        public bool[] Approvals { get; } = new bool[2];
        public int PlannedApprovals { get; set; }
        public int ApprovalsSeen { get; set; }
        public List<Item> Items { get; } = [];

        public string TraceId { get; set; } = "";
        public string? CorrelationId { get; set; }
        public string Subject { get; set; } = "";
        public string SubjectEmail { get; set; } = "";
        public string Channel { get; set; } = "";
        public string Currency { get; set; } = "";
        public long NodeId { get; set; }
        public long FirstLogSeq { get; set; }
        public long LastLogSeq { get; set; }
        public DateTime StartedAt { get; set; }
        public DateTime? FinishedAt { get; set; }
        public DateTime LastOccurred { get; set; }
        public DateTime LastRecorded { get; set; }
        public Guid LastEventId { get; set; }
        public Kind LastKind { get; set; }

        public int PolicyEvaluations { get; set; }
        public int Exceptions { get; set; }
        public bool HasApproval { get; set; }
        public bool Rejected { get; set; }
        public string? Outcome { get; set; }
        public string ActionKind { get; set; } = "";
        public decimal ProposedAmount { get; set; }
        public decimal? CommittedAmount { get; set; }

        public Item? LastItem() => Items.Count == 0 ? null : Items[^1];

        public Item? LastOpenItem()
        {
            for (var i = Items.Count - 1; i >= 0; i--)
            {
                if (Items[i].State == "open")
                {
                    return Items[i];
                }
            }

            return null;
        }
    }

    private sealed class Item
    {
        public Guid ItemId { get; init; }
        public long SourceLogSeq { get; init; }
        public int Workflow { get; init; }
        public required string Kind { get; init; }
        public short Priority { get; init; }
        public string? Assignee { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime DueAt { get; init; }
        public required string Reason { get; init; }
        public string? Note { get; init; }
        public string State { get; set; } = "open";
        public DateTime? ClosedAt { get; set; }
    }

    private sealed class SharedNode
    {
        public long Id { get; init; }
        public int Tenant { get; init; }
        public required string Type { get; init; }
        public required string NaturalKey { get; init; }
        public string? Label { get; init; }
        public required string PropertiesJson { get; init; }
        public long FirstSeen { get; init; }
        public long LastSeen { get; set; }
        public DateTime CreatedAt { get; init; }
    }

    private sealed class Tenant(int index, string id)
    {
        private const int RecentCapacity = 256;
        private readonly (string TraceId, long NodeId)[] _recent = new (string, long)[RecentCapacity];
        private int _recentNext;

        public int Index { get; } = index;
        public string Id { get; } = id;
        public long Head { get; private set; }
        public long Events { get; private set; }
        public DateTime LastRecorded { get; private set; }
        public IncrementalHash Chain { get; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public long LastDigestAt { get; set; }
        public int RecentCount { get; private set; }

        public long BatchFirst { get; set; }
        public int BatchEvents { get; set; }
        public int BatchFailures { get; set; }
        public int BatchTarget { get; set; } = 500;

        public int[] OpenItems { get; } = new int[2];
        public int[] Items { get; } = new int[2];
        public DateTime[] LastItemAt { get; } = new DateTime[2];

        public void Remember(string traceId, long nodeId)
        {
            _recent[_recentNext] = (traceId, nodeId);
            _recentNext = (_recentNext + 1) % RecentCapacity;
            RecentCount = Math.Min(RecentCount + 1, RecentCapacity);
        }

        /// <summary>An earlier trace of this tenant (already in the log), never the citing one.</summary>
        public (string TraceId, long NodeId) Cite(SeedRandom random, string citing)
        {
            var slot = random.Next(RecentCount);
            return _recent[slot].TraceId == citing ? _recent[(slot + 1) % RecentCount] : _recent[slot];
        }

        public void Observe(long logSeq, DateTime recorded, byte[] payloadHashHex)
        {
            Head = logSeq;
            Events++;
            LastRecorded = recorded;
            Chain.AppendData(payloadHashHex);
        }
    }
}
