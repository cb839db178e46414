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
/// The projections are built from the same events as they are made, the way DecisionGraph's projector builds them
/// (beam/apps/dg_projector/lib/decision_graph/projector/write.ex): a trace's summary when its last event is written,
/// the policy index on PolicyEvaluated, the precedent index when TraceFinished is written, graph nodes ("type:key")
/// and edges. Cursors and digests (one row per projection and a full_projection row, "sha256:" + hex) sit at each
/// tenant's head; runs are replay-N jobs; workflow items, actions and notifications follow workflows.ex. Every
/// timestamp is RFC 3339 text with a fraction of varying length, as DecisionGraph's sql.ex now_rfc3339/1 writes it.
/// Memory holds only the traces in flight and bounded per-tenant state, never a table.
/// </para>
/// </summary>
public sealed class DecisionGraphGenerator
{
    /// <summary>The first event is recorded shortly after this instant; every time is derived from it.</summary>
    public static readonly DateTime Epoch = new(2025, 3, 3, 6, 0, 0, DateTimeKind.Utc);

    /// <summary>How many traces are in flight at once.</summary>
    public const int Window = 32;

    /// <summary>DecisionGraph's digest row over all three projections (projector/digests.ex compute_all/1).</summary>
    public const string FullProjection = "full_projection";

    /// <summary>DecisionGraph's projections, in its order (projector/support.ex @projection_names).</summary>
    private static readonly string[] ProjectionNames = ["context_graph", "trace_summary", "precedent_index"];

    /// <summary>The projections that have cursors and digests.</summary>
    public static IReadOnlyList<string> Projections => ProjectionNames;

    /// <summary>Open workflow statuses (dg_api/.../api/workflows.ex @open_statuses) and terminal ones (@terminal_statuses).</summary>
    public static IReadOnlyList<string> OpenStatuses { get; } = ["requested", "in_review", "changes_requested", "escalated"];

    public static IReadOnlyList<string> TerminalStatuses { get; } = ["approved", "rejected", "overridden"];

    /// <summary>Run statuses of dg_projection_runs (projector/admin.ex).</summary>
    public static IReadOnlyList<string> RunStatuses { get; } = ["queued", "running", "completed", "failed", "cancelled"];

    private static readonly string[] TraceWorkflows = ["renewal", "onboarding", "refund", "limit-change", "chargeback"];
    private static readonly string[] ReviewTemplates = ["incident_triage", "exception_follow_up", "precedent_gap_review"];
    private static readonly string[] Priorities = ["low", "normal", "high", "urgent"];
    private static readonly string[] Roles = ["admin", "writer", "risk-ops"];

    private static readonly string[] FixedTenants =
        ["default", "acme-logistics", "müller-bäckerei", "o'brien-credit", "東京-ops", "zeta\\bank"];

    private static readonly string[] Channels = ["web", "mobile", "api", "batch", "branch", "partner"];
    private static readonly string[] EntityTypes = ["customer", "merchant", "account", "device", "counterparty"];
    private static readonly string[] PolicyFamilies = ["aml", "kyc", "credit", "fraud", "limits", "sanctions"];
    private static readonly string[] InputFields = ["amount", "country", "iban", "birth_date", "device_id", "email", "income", "employer"];
    private static readonly string[] ActionKinds = ["refund", "credit_limit_increase", "account_freeze", "manual_payout", "fee_waiver"];
    private static readonly string[] Currencies = ["EUR", "USD", "GBP", "CHF", "JPY", "SEK"];
    /// <summary>Error codes DecisionGraph records for projection failures (errors.ex codes, write.ex record_failure!/5).</summary>
    private static readonly string[] ErrorCodes = ["storage", "schema_violation", "event_sequence_invalid", "conflict"];
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
    private long _runId;
    private long _actionId;
    private long _notificationId;
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
                _tenants[node.Tenant].Id, node.Id, node.Type, node.TraceId, node.FirstSeen, Iso(node.CreatedAt), node.MetadataJson));
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
        var eventId = _random.Uuid7(recorded).ToString();

        if (seq == 0)
        {
            trace.TraceId = _random.Ulid(occurred, "trc_");
            trace.CorrelationId = _random.Percent(92) ? _random.Ulid(occurred, "corr_") : null;
            trace.Subject = _random.Pick(_pools.PersonNames);
            trace.SubjectEmail = _random.Pick(_pools.Emails);
            trace.Channel = _random.Pick(Channels);
            trace.Currency = _random.Pick(Currencies);
            trace.Workflow = _random.Pick(TraceWorkflows);
            trace.EntityType = _random.Pick(EntityTypes);
            trace.EntityId = $"{char.ToUpperInvariant(trace.EntityType[0])}-{_random.Next(1_000_000):D6}";
            trace.Title = $"{trace.Workflow} for {trace.Subject}";
            trace.NodeId = "trace:" + trace.TraceId;
            trace.FirstLogSeq = logSeq;
            trace.StartedAtText = occurredText;
            trace.StartedAt = occurred;
            tenant.Remember(trace.TraceId, trace.NodeId);
        }

        var (producer, subsystem) = Producer(kind);
        string actorType;
        string actorId;
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
                (actorType, actorId) = _random.Percent(4) ? ("system", "decisiongraph") : ("service", producer);
                break;
        }

        // NOT NULL and unique per (tenant_id, producer_id): a producer without its own key uses the event id.
        var idempotencyKey = producer switch
        {
            "dg-ingest" => _random.Ulid(recorded, "req_"),
            "policy-engine" => string.Concat(trace.TraceId, ":", seq.ToString(CultureInfo.InvariantCulture)),
            "workflow-service" => _random.Uuid4().ToString(),
            "action-runner" => _random.Ulid(recorded, "act_"),
            "dg-orchestrator" => trace.TraceId + ":finish",
            _ => eventId,
        };

        var schemaVersion = kind switch
        {
            Kind.PolicyEvaluated => _random.Percent(70) ? 2 : 1,
            Kind.ActionProposed => 3,
            _ => 1,
        };

        var at = new EventContext(trace, kind, seq, logSeq, occurred, occurredText, recorded, eventId, actorId, actorIndex);
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
            seq == 0 ? null : trace.LastEventId,
            idempotencyKey,
            schemaVersion,
            payload,
            payloadHash,
            _random.Percent(55) ? _random.Pick(TagSets) ?? "[]" : "[]"));

        trace.LastEventId = eventId;
        trace.LastOccurred = occurred;
        trace.LastRecorded = recorded;
        trace.LastLogSeq = logSeq;
        trace.LastKind = kind;
        tenant.Observe(logSeq, recorded, _hashHex);
        if (kind is Kind.ExceptionRequested or Kind.ApprovalRecorded or Kind.WorkflowReviewRequested)
        {
            tenant.LastManagedLogSeq = logSeq;
        }

        AfterTenantEvent(tenant, trace, logSeq, eventId, recorded);
    }

    /// <summary>
    /// The event's payload JSON with its keys in sorted order (DecisionGraph stores canonical JSON), its payload_hash
    /// ("sha256:" + lowercase hex of the payload's UTF-8), and the projection rows the event produces.
    /// </summary>
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
                w.WriteString("channel", trace.Channel);
                if (_random.Percent(30))
                {
                    w.WriteString("note", _random.Pick(_pools.Sentences));
                }

                w.WriteStartObject("primary_entity");
                w.WriteString("entity_id", trace.EntityId);
                w.WriteString("entity_type", trace.EntityType);
                w.WriteString("system", "crm");
                w.WriteEndObject();
                w.WriteStartObject("request");
                w.WriteString("ip", _random.Pick(_pools.IpAddresses));
                w.WriteString("user_agent", _random.Pick(_pools.UserAgents));
                w.WriteEndObject();
                w.WriteStartObject("subject");
                w.WriteString("city", _random.Pick(_pools.Cities));
                w.WriteString("email", trace.SubjectEmail);
                w.WriteString("name", trace.Subject);
                w.WriteEndObject();
                w.WriteString("title", trace.Title);
                w.WriteString("workflow", trace.Workflow);
                Emit(new GraphNodeRow(tenant.Id, trace.NodeId, "trace", trace.TraceId, at.LogSeq, at.OccurredText,
                    $"{{\"channel\":\"{trace.Channel}\",\"workflow\":\"{trace.Workflow}\"}}"));
                break;

            case Kind.InputObserved:
                var document = _random.PerMille(25) ? _random.Pick(_pools.Documents) : null;
                if (document is not null)
                {
                    w.WriteString("document", document);
                }

                var field = _random.Pick(InputFields);
                w.WriteStartObject("input");
                w.WriteString("field", field);
                w.WriteString("source", _random.Pick(Channels));
                if (field is "amount" or "income")
                {
                    w.WriteNumber("value", Money());
                }
                else
                {
                    w.WriteString("value", field == "email" ? _random.Pick(_pools.Emails) : _random.Pick(_pools.Sentences));
                }

                w.WriteEndObject();
                break;

            case Kind.EntityObserved:
                var entity = SharedNodeFor(tenant, NodeKind.Entity, _random.Next(2000), at);
                var confidence = _random.Between(5000, 10000) / 10000m;
                w.WriteNumber("confidence", confidence);
                w.WriteStartObject("entity");
                w.WriteString("key", entity.Id);
                w.WriteString("name", entity.Label);
                w.WriteString("type", entity.EntityType);
                w.WriteEndObject();
                Edge(tenant, trace, "OBSERVED", entity.Id, at, confidence);
                break;

            case Kind.PolicyEvaluated:
                var policy = SharedNodeFor(tenant, NodeKind.Policy, _random.Next(24), at);
                var version = _random.Between(1, 5).ToString(CultureInfo.InvariantCulture);
                var roll = _random.Next(100);
                var decision = roll < 70 ? "allow" : roll < 90 ? "review" : "deny";
                var score = _random.Between(0, 10000) / 10000m;
                w.WriteString("decision", decision);
                w.WriteStartObject("policy");
                w.WriteString("policy_id", policy.Key);
                w.WriteString("policy_version", version);
                w.WriteEndObject();
                if (_random.Percent(70))
                {
                    w.WriteStartArray("rules");
                    for (var i = _random.Between(1, 4); i > 0; i--)
                    {
                        w.WriteStartObject();
                        w.WriteBoolean("hit", _random.Percent(40));
                        w.WriteString("rule", "R" + _random.Between(100, 999).ToString(CultureInfo.InvariantCulture));
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                }

                w.WriteNumber("score", score);
                trace.PolicyEvaluations++;
                trace.Precedents.Add(new PrecedentSource(at.EventId, at.LogSeq, policy.Key, version, null));
                trace.LastPolicy = (policy.Key, version);
                // projector/write.ex on_policy_evaluated!/2: index_id = "trace:policy_id:policy_version:event_id".
                Emit(new PolicyEvalRow(tenant.Id, $"{trace.TraceId}:{policy.Key}:{version}:{at.EventId}", trace.TraceId, policy.Key, version,
                    at.LogSeq, at.OccurredText));
                Edge(tenant, trace, "EVALUATED_BY", policy.Id, at, score);
                break;

            case Kind.ExceptionRequested:
                var reason = _random.Pick(_pools.Sentences);
                var exceptionId = "ex-" + (++tenant.Exceptions).ToString(CultureInfo.InvariantCulture);
                var (policyId, policyVersion) = trace.LastPolicy ?? ("pol-limits-000", "1");
                w.WriteString("exception_id", exceptionId);
                w.WriteStartObject("policy");
                w.WriteString("policy_id", policyId);
                w.WriteString("policy_version", policyVersion);
                w.WriteEndObject();
                w.WriteNumber("priority", _random.Between(1, 3));
                w.WriteString("reason", reason);
                w.WriteString("requested_by", at.ActorId);
                trace.Exceptions++;
                trace.Precedents.Add(new PrecedentSource(at.EventId, at.LogSeq, policyId, policyVersion, exceptionId));
                OpenItem(trace, at, "exception", exceptionId, "exception_review", reason, policyId, policyVersion);
                break;

            case Kind.WorkflowReviewRequested:
                var template = _random.Pick(ReviewTemplates);
                var reviewReason = _random.Pick(_pools.Sentences);
                var slaHours = _random.Between(1, 6);
                w.WriteString("priority", _random.Pick(Priorities));
                w.WriteString("reason", reviewReason);
                w.WriteNumber("sla_hours", slaHours);
                w.WriteStartObject("subject");
                w.WriteString("subject_id", template);
                w.WriteString("subject_type", "trace_review");
                w.WriteEndObject();
                w.WriteString("template_id", template);
                w.WriteString("title", "Incident review for " + trace.Title);
                w.WriteString("workflow_kind", "incident_review");
                OpenItem(trace, at, "trace_review", template, "incident_review", reviewReason, null, null);
                break;

            case Kind.ApprovalRecorded:
                var approved = trace.Approvals[trace.ApprovalsSeen++];
                var comment = _random.Percent(60) ? _random.Pick(_pools.Sentences) : null;
                var item = trace.LastOpenItem();
                w.WriteStartObject("approver");
                w.WriteString("actor_id", at.ActorId);
                w.WriteString("actor_type", "user");
                w.WriteEndObject();
                if (comment is not null)
                {
                    w.WriteString("comment", comment);
                }

                w.WriteString("decision", approved ? "approve" : "reject");
                w.WriteStartObject("subject");
                w.WriteString("subject_id", item?.SubjectId ?? "none");
                w.WriteString("subject_type", item?.SubjectType ?? "exception");
                w.WriteEndObject();
                trace.HasApproval = true;
                trace.Rejected |= !approved;
                var approver = SharedNodeFor(tenant, NodeKind.Actor, at.ActorIndex, at);
                Edge(tenant, trace, approved ? "APPROVED_BY" : "REJECTED_BY", approver.Id, at, 1m);
                if (item is not null)
                {
                    item.Status = approved ? "approved" : "rejected";
                    item.ResolvedAt = at.OccurredText;
                    item.Decision = approved ? "approve" : "reject";
                    item.ApprovalEventId = at.EventId;
                    item.LastActionType = approved ? "approve" : "reject";
                    item.LastActionAt = at.OccurredText;
                    item.LastSourceLogSeq = at.LogSeq;
                    item.UpdatedAt = at.OccurredText;
                    if (comment is not null)
                    {
                        item.Reason = comment;
                    }

                    Emit(new WorkflowActionRow("wfa:event:" + at.EventId, tenant.Id, item.WorkflowId, trace.TraceId,
                        approved ? "approve" : "reject", at.ActorId, "user", null, comment, "{}", at.EventId, item.Status, at.OccurredText));
                }

                break;

            case Kind.PrecedentCited:
                var (citedTrace, citedNode) = tenant.Cite(_random, trace.TraceId);
                var similarity = _random.Between(5000, 9999) / 10000.0;
                var rationale = _random.Percent(70) ? _random.Pick(_pools.Sentences) : null;
                w.WriteString("cited_trace", citedTrace);
                if (rationale is not null)
                {
                    w.WriteString("rationale", rationale);
                }

                w.WriteNumber("similarity", similarity);
                Edge(tenant, trace, "CITES", citedNode, at, (decimal)similarity);
                break;

            case Kind.ActionProposed:
                trace.ActionKind = _random.Pick(ActionKinds);
                trace.ProposedAmount = Money();
                w.WriteString("action", trace.ActionKind);
                w.WriteNumber("amount", trace.ProposedAmount);
                w.WriteString("currency", trace.Currency);
                break;

            case Kind.ActionCommitted:
                w.WriteString("action", trace.ActionKind);
                w.WriteNumber("amount", trace.ProposedAmount);
                w.WriteString("currency", trace.Currency);
                w.WriteString("reference", _random.Ulid(at.Recorded, "ref_"));
                trace.Committed = true;
                break;

            case Kind.TraceFinished:
                trace.Outcome = trace.Rejected ? "rejected"
                    : trace.Exceptions > 0 && !trace.HasApproval ? "escalated"
                    : trace.Committed ? "completed"
                    : "no_action";
                trace.FinishedAtText = at.OccurredText;
                w.WriteNumber("duration_ms", (long)(at.Occurred - trace.StartedAt).TotalMilliseconds);
                w.WriteNumber("events", at.Seq + 1);
                w.WriteString("outcome", trace.Outcome);
                // projector/write.ex build_precedent_index!/2 runs on TraceFinished: one row per PolicyEvaluated and
                // ExceptionRequested of the trace, with the trace's primary entity.
                foreach (var source in trace.Precedents)
                {
                    Emit(new PrecedentRow(tenant.Id, source.EventId, source.LogSeq, trace.TraceId, source.PolicyId, source.PolicyVersion,
                        source.ExceptionId, trace.EntityType, "crm", trace.EntityId));
                }

                break;
        }

        w.WriteEndObject();
        w.Flush();

        var utf8 = _json.WrittenSpan;
        SHA256.HashData(utf8, _hash);
        Encoding.ASCII.GetBytes(Convert.ToHexStringLower(_hash), _hashHex);
        payloadHash = "sha256:" + Encoding.ASCII.GetString(_hashHex);
        return Encoding.UTF8.GetString(utf8);
    }

    private void Edge(Tenant tenant, Trace trace, string type, string to, in EventContext at, decimal weight) =>
        Emit(new GraphEdgeRow(tenant.Id, $"{type}:{trace.NodeId}->{to}:{at.LogSeq.ToString(CultureInfo.InvariantCulture)}", type,
            trace.NodeId, to, trace.TraceId, at.LogSeq, at.OccurredText,
            "{\"weight\":" + weight.ToString(CultureInfo.InvariantCulture) + "}"));

    /// <summary>
    /// A workflow item as workflows.ex apply_source_event!/2 makes it: id "trace:subject_type:subject_id", status
    /// "requested", an SLA, the "requested" action keyed by the source event ("wfa:event:" + event id) and an assignment
    /// notification. Manual comments typed into the console have no event behind them.
    /// </summary>
    private void OpenItem(Trace trace, in EventContext at, string subjectType, string subjectId, string kind, string reason,
        string? policyId, string? policyVersion)
    {
        var tenant = trace.Tenant;
        var role = _random.Pick(Roles);
        var item = new Item
        {
            WorkflowId = $"{trace.TraceId}:{subjectType}:{subjectId}",
            SubjectType = subjectType,
            SubjectId = subjectId,
            Kind = kind,
            Priority = _random.Pick(Priorities),
            AssignedAccount = _random.Percent(50) ? _random.Pick(_pools.Emails) : null,
            AssignedRole = role,
            RequestedAt = at.OccurredText,
            SlaDueAt = Iso(at.Occurred.AddHours(_random.Between(2, 72))),
            CreatedFromEventId = at.EventId,
            RequestedByActorId = at.ActorId,
            PolicyId = policyId,
            PolicyVersion = policyVersion,
            Reason = reason,
            UpdatedAt = at.OccurredText,
            LastActionAt = at.OccurredText,
            LastSourceLogSeq = at.LogSeq,
        };
        trace.Items.Add(item);

        Emit(new WorkflowActionRow("wfa:event:" + at.EventId, tenant.Id, item.WorkflowId, trace.TraceId, "requested", at.ActorId, "user",
            null, reason, $"{{\"subject_id\":\"{subjectId}\"}}", at.EventId, "requested", at.OccurredText));
        Emit(new WorkflowNotificationRow("wfn:" + (++_notificationId).ToString(CultureInfo.InvariantCulture), tenant.Id, item.WorkflowId,
            trace.TraceId, "assignment", "operator_console", "delivered", $"Workflow {item.WorkflowId} assigned to {item.AssignedAccount ?? "role " + role}",
            item.AssignedAccount, role, "{\"source\":\"" + (subjectType == "exception" ? "exception_requested" : "workflow_review_requested") + "\"}",
            $"assignment:{item.WorkflowId}:{item.AssignedAccount ?? role}", at.OccurredText, at.OccurredText));
        if (_random.Percent(30))
        {
            // A comment typed into the operator console: a manual action, no event behind it.
            var when = Iso(at.Recorded.AddSeconds(_random.Between(5, 3600)));
            Emit(new WorkflowActionRow("wfa:" + (++_actionId).ToString(CultureInfo.InvariantCulture), tenant.Id, item.WorkflowId,
                trace.TraceId, "comment", _random.Pick(_pools.Emails), "role", "admin-main", _random.Pick(_pools.Sentences), "{}", null,
                "requested", when));
        }
    }

    /// <summary>The trace's last event is written: its summary and workflow items.</summary>
    private void Complete(Trace trace)
    {
        var tenant = trace.Tenant;
        var finished = trace.LastKind == Kind.TraceFinished;
        foreach (var item in trace.Items)
        {
            if (item.Status == "requested" && _random.Percent(40))
            {
                // Picked up or escalated in the console since it was requested.
                item.Status = _random.Percent(50) ? "in_review" : _random.Percent(50) ? "escalated" : "changes_requested";
                item.LastActionType = item.Status == "escalated" ? "escalate" : item.Status == "in_review" ? "claim" : "request_change";
            }

            if (item.Status is "requested" or "in_review" or "changes_requested" or "escalated" && _random.Percent(25))
            {
                Emit(new WorkflowNotificationRow("wfn:" + (++_notificationId).ToString(CultureInfo.InvariantCulture), tenant.Id,
                    item.WorkflowId, trace.TraceId, "deadline_risk", "operator_console", "delivered",
                    $"Workflow {item.WorkflowId} is nearing its SLA deadline", item.AssignedAccount, item.AssignedRole,
                    "{\"warning_minutes\":30}", $"deadline_risk:{item.WorkflowId}:{item.SlaDueAt}", item.SlaDueAt, item.SlaDueAt));
            }

            Emit(new WorkflowItemRow(
                item.WorkflowId, tenant.Id, trace.TraceId, item.Kind, item.Kind == "exception_review" ? trace.Workflow : item.SubjectId,
                item.SubjectType, item.SubjectId, item.Status, item.Priority,
                item.Kind == "exception_review" ? trace.Title : "Incident review for " + trace.Title,
                item.PolicyId, item.PolicyVersion, item.RequestedByActorId, "user", item.AssignedAccount, item.AssignedRole,
                item.RequestedAt, item.SlaDueAt, item.UpdatedAt, item.ResolvedAt, item.LastActionType, item.LastActionAt, item.Decision,
                item.Reason, item.ApprovalEventId, item.CreatedFromEventId, item.LastSourceLogSeq,
                $"{{\"channel\":\"{trace.Channel}\",\"policy_evaluations\":{trace.PolicyEvaluations.ToString(CultureInfo.InvariantCulture)}}}"));
        }

        Emit(new TraceSummaryRow(
            tenant.Id, trace.TraceId, trace.Workflow, trace.Title, trace.EntityType, "crm", trace.EntityId,
            finished ? trace.Outcome : null, trace.StartedAtText, finished ? trace.FinishedAtText : null, trace.Length, trace.LastLogSeq));

        TracesCompleted++;
    }

    private void FinishTenant(Tenant tenant)
    {
        if (tenant.Events == 0)
        {
            return;
        }

        FlushRuns(tenant);
        var updated = Iso(tenant.LastRecorded.AddMilliseconds(_random.Between(5, 900)));
        var chain = tenant.Chain.GetCurrentHash();
        foreach (var projection in ProjectionNames)
        {
            Emit(new ProjectionCursorRow(tenant.Id, projection, tenant.Head, updated));
        }

        foreach (var projection in ProjectionNames.Append(FullProjection))
        {
            Emit(new ProjectionDigestRow(tenant.Id, projection, DigestOf(chain, projection), tenant.Head, updated));
        }

        Emit(new WorkflowRuntimeRow(tenant.Id, tenant.LastManagedLogSeq, Iso(tenant.LastRecorded)));
    }

    /// <summary>"sha256:" + hex, DecisionGraph's digest_value format (projector/digests.ex hash/1), over the tenant's chain and the projection.</summary>
    internal static string DigestOf(byte[] chain, string projection)
    {
        var input = new byte[chain.Length + projection.Length];
        chain.CopyTo(input, 0);
        Encoding.ASCII.GetBytes(projection, input.AsSpan(chain.Length));
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(input));
    }

    // ---- per-tenant bookkeeping: runs and failures ----------------------------------------------------------------

    /// <summary>
    /// A replay job over the batch just projected, as dg_projection_runs holds them (projector/admin.ex): job ids
    /// "replay-N", mode catch_up (a few rebuilds), status completed, or failed with an error, or cancelled. With
    /// <see cref="SeedOptions.StuckRuns"/>, the tenant's last job is left queued or running (a crash mid-job).
    /// </summary>
    private void FlushRuns(Tenant tenant, bool last = true)
    {
        if (tenant.BatchEvents == 0)
        {
            return;
        }

        var requested = tenant.LastRecorded.AddMilliseconds(_random.Between(10, 2000));
        var started = requested.AddMilliseconds(_random.Between(1, 50));
        var finished = started.AddMilliseconds(_random.Between(3, 900));
        var roll = _random.Next(100);
        var status = last && _options.StuckRuns ? (roll < 50 ? "queued" : "running") : roll < 88 ? "completed" : roll < 96 ? "failed" : "cancelled";
        var projection = _random.Percent(40) ? "all" : _random.Pick(ProjectionNames);
        var open = status is "queued" or "running";
        Emit(new ProjectionRunRow(
            "replay-" + (++_runId).ToString(CultureInfo.InvariantCulture), tenant.Id, projection, _random.Percent(10) ? "rebuild" : "catch_up",
            status, Iso(requested), status == "queued" ? null : Iso(started), open ? null : Iso(finished),
            tenant.BatchFirst - 1, null, status == "completed" ? tenant.BatchEvents : status == "queued" ? 0 : tenant.BatchEvents / 2,
            status == "completed" ? tenant.Head : tenant.BatchFirst - 1,
            status == "failed" ? "storage" : null,
            status == "failed" ? "Projection runtime error: " + _random.Pick(_pools.Sentences) : null,
            "{\"reason\":\"scheduled catch-up\"}"));

        tenant.BatchEvents = 0;
        tenant.BatchTarget = _random.Between(200, 800);
    }

    private void AfterTenantEvent(Tenant tenant, Trace trace, long logSeq, string eventId, DateTime recorded)
    {
        if (tenant.BatchEvents == 0)
        {
            tenant.BatchFirst = logSeq;
        }

        tenant.BatchEvents++;
        if (_random.PerMille(2))
        {
            // projector/write.ex record_failure!/5; resolve_failures!/3 resolves it once a later batch gets past it.
            var open = _options.OpenFailures && _random.Percent(30);
            var recoverable = _random.Percent(60);
            Emit(new ProjectionFailureRow(
                _random.Uuid4(), tenant.Id, _random.Pick(ProjectionNames), logSeq, trace.TraceId, eventId, _random.Pick(ErrorCodes),
                "could not apply event " + logSeq.ToString(CultureInfo.InvariantCulture) + ": " + _random.Pick(_pools.Sentences),
                recoverable, _random.Between(0, 5), open ? "open" : "resolved",
                "{\"processed_events\":0,\"recoverable\":" + (recoverable ? "true" : "false") + "}",
                Iso(recorded.AddMilliseconds(_random.Between(1, 5000))), open ? null : Iso(recorded.AddSeconds(_random.Between(6, 600)))));
        }

        if (tenant.BatchEvents >= tenant.BatchTarget)
        {
            FlushRuns(tenant, last: false);
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
                NodeKind.Policy => NewNode(tenant, "policy", $"pol-{PolicyFamilies[key % PolicyFamilies.Length]}-{key:D3}", null,
                    $"{{\"family\":\"{PolicyFamilies[key % PolicyFamilies.Length]}\",\"owner\":\"{JsonEncodedText.Encode(_random.Pick(_pools.Companies), JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\"}}", at),
                _ => NewNode(tenant, "actor", _pools.Emails[key], null, "{\"kind\":\"user\"}", at),
            };
            _sharedNodes.Add((tenant.Index, (byte)kind, key), node);
        }

        return node;
    }

    private SharedNode NewEntity(Tenant tenant, int key, in EventContext at)
    {
        var type = EntityTypes[key % EntityTypes.Length];
        var label = type is "merchant" or "counterparty" ? _random.Pick(_pools.Companies) : _random.Pick(_pools.PersonNames);
        var city = _random.Pick(_pools.Cities);
        var metadata = $"{{\"city\":\"{JsonEncodedText.Encode(city, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\",\"name\":\"{JsonEncodedText.Encode(label, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\",\"risk\":{_random.Between(0, 100)}}}";
        var node = NewNode(tenant, "entity", $"{type}:{char.ToUpperInvariant(type[0])}-{key:D6}", type, metadata, at);
        node.Label = label;
        return node;
    }

    /// <summary>A node "type:key" (DecisionGraph's node ids: write.ex ensure_node_exists!/5 splits them at the first ':').</summary>
    private SharedNode NewNode(Tenant tenant, string type, string key, string? entityType, string metadata, in EventContext at)
    {
        var node = new SharedNode
        {
            Id = type + ":" + key,
            Key = key,
            Tenant = tenant.Index,
            Type = type,
            EntityType = entityType ?? type,
            TraceId = at.Trace.TraceId,
            MetadataJson = metadata,
            FirstSeen = at.LogSeq,
            CreatedAt = at.Occurred,
        };
        _sharedNodesInOrder.Add(node);
        return node;
    }

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
        Kind.WorkflowReviewRequested => ("workflow-studio", "workflow"),
        Kind.PrecedentCited => ("precedent-search", "similarity"),
        Kind.ActionProposed => ("action-runner", "planner"),
        Kind.ActionCommitted => ("action-runner", "executor"),
        _ => ("dg-orchestrator", "lifecycle"),
    };

    private static DateTime Truncate(DateTime value, long unit) => new(value.Ticks - (value.Ticks % unit), DateTimeKind.Utc);

    /// <summary>
    /// A time as DecisionGraph writes it (beam/apps/dg_projector/lib/decision_graph/projector/sql.ex now_rfc3339/1):
    /// UTC, microseconds, trailing zeros of the fraction trimmed and no fraction at all on a whole second, so
    /// "2025-03-03T06:00:00.1Z", "2025-03-03T06:00:00.123456Z" and "2025-03-03T06:00:01Z" all occur.
    /// </summary>
    public static string Iso(DateTime utc)
    {
        var micro = (int)(utc.Ticks % TimeSpan.TicksPerSecond / 10);
        var basePart = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        return micro == 0 ? basePart + "Z" : basePart + "." + micro.ToString("D6", CultureInfo.InvariantCulture).TrimEnd('0') + "Z";
    }

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
        Trace Trace, Kind Kind, int Seq, long LogSeq, DateTime Occurred, string OccurredText, DateTime Recorded, string EventId,
        string ActorId, int ActorIndex);

    private readonly record struct PrecedentSource(string EventId, long LogSeq, string PolicyId, string PolicyVersion, string? ExceptionId);

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
        public List<PrecedentSource> Precedents { get; } = [];

        public string TraceId { get; set; } = "";
        public string? CorrelationId { get; set; }
        public string Subject { get; set; } = "";
        public string SubjectEmail { get; set; } = "";
        public string Channel { get; set; } = "";
        public string Currency { get; set; } = "";
        public string Workflow { get; set; } = "";
        public string Title { get; set; } = "";
        public string EntityType { get; set; } = "";
        public string EntityId { get; set; } = "";
        public string NodeId { get; set; } = "";
        public long FirstLogSeq { get; set; }
        public long LastLogSeq { get; set; }
        public DateTime StartedAt { get; set; }
        public string StartedAtText { get; set; } = "";
        public string? FinishedAtText { get; set; }
        public DateTime LastOccurred { get; set; }
        public DateTime LastRecorded { get; set; }
        public string LastEventId { get; set; } = "";
        public Kind LastKind { get; set; }
        public (string PolicyId, string Version)? LastPolicy { get; set; }

        public int PolicyEvaluations { get; set; }
        public int Exceptions { get; set; }
        public bool HasApproval { get; set; }
        public bool Rejected { get; set; }
        public bool Committed { get; set; }
        public string? Outcome { get; set; }
        public string ActionKind { get; set; } = "";
        public decimal ProposedAmount { get; set; }

        public Item? LastOpenItem()
        {
            for (var i = Items.Count - 1; i >= 0; i--)
            {
                if (Items[i].Status == "requested")
                {
                    return Items[i];
                }
            }

            return null;
        }
    }

    private sealed class Item
    {
        public required string WorkflowId { get; init; }
        public required string SubjectType { get; init; }
        public required string SubjectId { get; init; }
        public required string Kind { get; init; }
        public required string Priority { get; init; }
        public string? AssignedAccount { get; init; }
        public required string AssignedRole { get; init; }
        public required string RequestedAt { get; init; }
        public required string SlaDueAt { get; init; }
        public required string CreatedFromEventId { get; init; }
        public required string RequestedByActorId { get; init; }
        public string? PolicyId { get; init; }
        public string? PolicyVersion { get; init; }
        public required string Reason { get; set; }
        public string Status { get; set; } = "requested";
        public string UpdatedAt { get; set; } = "";
        public string? ResolvedAt { get; set; }
        public string? Decision { get; set; }
        public string? ApprovalEventId { get; set; }
        public string LastActionType { get; set; } = "requested";
        public string? LastActionAt { get; set; }
        public long LastSourceLogSeq { get; set; }
    }

    private sealed class SharedNode
    {
        public required string Id { get; init; }
        public required string Key { get; init; }
        public int Tenant { get; init; }
        public required string Type { get; init; }
        public required string EntityType { get; init; }
        public required string TraceId { get; init; }
        public string Label { get; set; } = "";
        public required string MetadataJson { get; init; }
        public long FirstSeen { get; init; }
        public DateTime CreatedAt { get; init; }
    }

    private sealed class Tenant(int index, string id)
    {
        private const int RecentCapacity = 256;
        private readonly (string TraceId, string NodeId)[] _recent = new (string, string)[RecentCapacity];
        private int _recentNext;

        public int Index { get; } = index;
        public string Id { get; } = id;
        public long Head { get; private set; }
        public long Events { get; private set; }
        public DateTime LastRecorded { get; private set; }
        public IncrementalHash Chain { get; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public int RecentCount { get; private set; }
        public int Exceptions { get; set; }
        public long LastManagedLogSeq { get; set; }

        public long BatchFirst { get; set; }
        public int BatchEvents { get; set; }
        public int BatchTarget { get; set; } = 500;

        public void Remember(string traceId, string nodeId)
        {
            _recent[_recentNext] = (traceId, nodeId);
            _recentNext = (_recentNext + 1) % RecentCapacity;
            RecentCount = Math.Min(RecentCount + 1, RecentCapacity);
        }

        /// <summary>An earlier trace of this tenant (already in the log), never the citing one.</summary>
        public (string TraceId, string NodeId) Cite(SeedRandom random, string citing)
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
