namespace Ledger.Postgres.Fidelity;

/// <summary>
/// The catalog queries of a fingerprint. They run under <see cref="CanonicalSession"/> (empty search_path), so every
/// name PostgreSQL prints is schema-qualified the way pg_dump writes it. Identifiers that end up in generated SQL are
/// quoted by the server (<c>format('%I')</c>); none is spliced in by the client.
/// </summary>
internal static class CatalogSql
{
    // User schemas: not the system's, not an extension's.
    private const string UserSchemas = """
        user_ns as (
            select n.oid, n.nspname
            from pg_catalog.pg_namespace n
            where n.nspname not in ('pg_catalog', 'information_schema')
              and n.nspname not like 'pg\_toast%' and n.nspname not like 'pg\_temp%'
              and not exists (select 1 from pg_catalog.pg_depend d
                              where d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass and d.objid = n.oid and d.deptype = 'e'))
        """;

    // Relations in user schemas that no extension owns.
    private const string UserRelations = """
        rels as (
            select c.oid, c.relname, c.relkind, c.relpersistence, c.relispartition, c.relrowsecurity, c.relforcerowsecurity,
                   c.reloptions, c.relispopulated, c.relpartbound, n.nspname
            from pg_catalog.pg_class c
            join user_ns n on n.oid = c.relnamespace
            where not exists (select 1 from pg_catalog.pg_depend d
                              where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.objid = c.oid and d.deptype = 'e'))
        """;

    /// <summary>
    /// Every ordinary table (partitions included): schema, name, the SQL that hashes its content (see
    /// <see cref="RowHash"/>; the row text goes through unnest(array[...]) because a set-returning function keeps the
    /// planner from inlining it into both hash calls, which would build every row's text twice), and its key columns (primary key, else the first unique index by name over NOT NULL
    /// columns without expressions or predicate, else empty).
    /// </summary>
    public static readonly string Tables = $"""
        with {UserSchemas}, {UserRelations}
        select r.nspname, r.relname,
               pg_catalog.format(
                   'select pg_catalog.count(*), coalesce(pg_catalog.sum({RowHash.High("r")}), 0)::text, coalesce(pg_catalog.sum({RowHash.Low("r")}), 0)::text from (select pg_catalog.unnest(array[%s]) as r from only %I.%I as t) as src',
                   {RowHash.RowExpressionSql("r.oid")}, r.nspname, r.relname),
               coalesce((
                   select array(select a.attname::text
                                from pg_catalog.unnest(i.indkey::pg_catalog.int2[]) with ordinality as k(attnum, ord)
                                join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
                                where k.ord <= i.indnkeyatts
                                order by k.ord)
                   from pg_catalog.pg_index i
                   join pg_catalog.pg_class ic on ic.oid = i.indexrelid
                   where i.indrelid = r.oid and i.indisunique and i.indisvalid and i.indpred is null and i.indexprs is null
                     and not exists (select 1
                                     from pg_catalog.unnest(i.indkey::pg_catalog.int2[]) with ordinality as k(attnum, ord)
                                     left join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
                                     where k.ord <= i.indnkeyatts and (a.attnum is null or not a.attnotnull))
                   order by i.indisprimary desc, ic.relname collate "C"
                   limit 1), array[]::text[])
        from rels r
        where r.relkind = 'r'
        """;

    /// <summary>Every sequence: schema, name, and the SQL that reads its state from the sequence relation.</summary>
    public static readonly string Sequences = $"""
        with {UserSchemas}, {UserRelations}
        select r.nspname, r.relname, pg_catalog.format('select last_value, is_called from %I.%I', r.nspname, r.relname)
        from rels r
        where r.relkind = 'S'
        """;

    /// <summary>
    /// Every schema object as (kind, name, definition). Names are <c>schema.object</c> (or <c>schema.table.member</c>),
    /// unquoted; definitions are what PostgreSQL prints (pg_get_*def, format_type, pg_get_expr), never an OID, an
    /// owner or a privilege, none of which survive a restore unchanged.
    /// </summary>
    public static readonly string SchemaObjects = $"""
        with {UserSchemas}, {UserRelations},
        cols as (
            select a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod, a.attnotnull, a.attcollation, a.attidentity, a.attgenerated
            from pg_catalog.pg_attribute a
            join rels r on r.oid = a.attrelid
            where a.attnum > 0 and not a.attisdropped)
        select 'schema'::text, n.nspname::text, 'schema'::text
        from user_ns n
        union all
        select 'extension', e.extname, 'version ' || e.extversion || ' in schema ' || pg_catalog.quote_ident(n.nspname)
        from pg_catalog.pg_extension e
        join pg_catalog.pg_namespace n on n.oid = e.extnamespace
        union all
        select 'table', r.nspname || '.' || r.relname,
               pg_catalog.concat_ws(' ',
                   case r.relkind when 'r' then 'table' when 'p' then 'partitioned table' else 'foreign table' end,
                   case when r.relpersistence = 'u' then 'unlogged' end,
                   '(' || coalesce((select pg_catalog.string_agg(pg_catalog.quote_ident(c.attname), ', ' order by c.attnum)
                                    from cols c where c.attrelid = r.oid), '') || ')',
                   case when r.relkind = 'p' then 'partition by ' || pg_catalog.pg_get_partkeydef(r.oid) end,
                   case when r.relispartition then
                       'partition of ' || (select pg_catalog.format('%I.%I', pn.nspname, pc.relname)
                                           from pg_catalog.pg_inherits i
                                           join pg_catalog.pg_class pc on pc.oid = i.inhparent
                                           join pg_catalog.pg_namespace pn on pn.oid = pc.relnamespace
                                           where i.inhrelid = r.oid)
                       || ' ' || pg_catalog.pg_get_expr(r.relpartbound, r.oid) end,
                   case when not r.relispartition and exists (select 1 from pg_catalog.pg_inherits i where i.inhrelid = r.oid) then
                       'inherits (' || (select pg_catalog.string_agg(pg_catalog.format('%I.%I', pn.nspname, pc.relname), ', ' order by i.inhseqno)
                                        from pg_catalog.pg_inherits i
                                        join pg_catalog.pg_class pc on pc.oid = i.inhparent
                                        join pg_catalog.pg_namespace pn on pn.oid = pc.relnamespace
                                        where i.inhrelid = r.oid) || ')' end,
                   case when r.relrowsecurity then 'row level security' end,
                   case when r.relforcerowsecurity then 'force row level security' end,
                   'with (' || pg_catalog.array_to_string(r.reloptions, ', ') || ')')
        from rels r
        where r.relkind in ('r', 'p', 'f')
        union all
        select 'column', r.nspname || '.' || r.relname || '.' || c.attname,
               pg_catalog.concat_ws(' ',
                   pg_catalog.format_type(c.atttypid, c.atttypmod),
                   case when c.attcollation <> 0 and c.attcollation <> ty.typcollation then
                       'collate ' || (select pg_catalog.format('%I.%I', cn.nspname, co.collname)
                                      from pg_catalog.pg_collation co
                                      join pg_catalog.pg_namespace cn on cn.oid = co.collnamespace
                                      where co.oid = c.attcollation) end,
                   case when c.attnotnull then 'not null' end,
                   case when c.attgenerated = 's' then 'generated always as (' || pg_catalog.pg_get_expr(d.adbin, d.adrelid) || ') stored'
                        when d.adbin is not null then 'default ' || pg_catalog.pg_get_expr(d.adbin, d.adrelid) end,
                   case c.attidentity when 'a' then 'generated always as identity' when 'd' then 'generated by default as identity' end)
        from cols c
        join rels r on r.oid = c.attrelid
        join pg_catalog.pg_type ty on ty.oid = c.atttypid
        left join pg_catalog.pg_attrdef d on d.adrelid = c.attrelid and d.adnum = c.attnum
        where r.relkind in ('r', 'p', 'f')
        union all
        select 'constraint', r.nspname || '.' || r.relname || '.' || co.conname, pg_catalog.pg_get_constraintdef(co.oid)
        from pg_catalog.pg_constraint co
        join rels r on r.oid = co.conrelid
        union all
        select 'constraint', n.nspname || '.' || ty.typname || '.' || co.conname, pg_catalog.pg_get_constraintdef(co.oid)
        from pg_catalog.pg_constraint co
        join pg_catalog.pg_type ty on ty.oid = co.contypid
        join user_ns n on n.oid = ty.typnamespace
        union all
        select 'index', r.nspname || '.' || ic.relname,
               pg_catalog.pg_get_indexdef(i.indexrelid) || case when i.indisclustered then ' (clustered)' else '' end
        from pg_catalog.pg_index i
        join pg_catalog.pg_class ic on ic.oid = i.indexrelid
        join rels r on r.oid = i.indrelid
        where (i.indisvalid or ic.relkind = 'I') and i.indisready
        union all
        select 'trigger', r.nspname || '.' || r.relname || '.' || tg.tgname,
               pg_catalog.pg_get_triggerdef(tg.oid)
               || case tg.tgenabled when 'D' then ' (disabled)' when 'R' then ' (enabled replica)' when 'A' then ' (enabled always)' else '' end
        from pg_catalog.pg_trigger tg
        join rels r on r.oid = tg.tgrelid
        where not tg.tgisinternal
        union all
        select 'rule', r.nspname || '.' || r.relname || '.' || ru.rulename, pg_catalog.pg_get_ruledef(ru.oid)
        from pg_catalog.pg_rewrite ru
        join rels r on r.oid = ru.ev_class
        where ru.rulename <> '_RETURN'
        union all
        select 'policy', r.nspname || '.' || r.relname || '.' || po.polname,
               pg_catalog.concat_ws(' ',
                   case when po.polpermissive then 'permissive' else 'restrictive' end,
                   'for ' || case po.polcmd when 'r' then 'select' when 'a' then 'insert' when 'w' then 'update' when 'd' then 'delete' else 'all' end,
                   'to ' || (select pg_catalog.string_agg(role_name, ', ' order by role_name collate "C")
                             from (select case when ro = 0 then 'public' else pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(ro)) end as role_name
                                   from pg_catalog.unnest(po.polroles) as ro) as roles),
                   'using (' || pg_catalog.pg_get_expr(po.polqual, po.polrelid) || ')',
                   'with check (' || pg_catalog.pg_get_expr(po.polwithcheck, po.polrelid) || ')')
        from pg_catalog.pg_policy po
        join rels r on r.oid = po.polrelid
        union all
        select case r.relkind when 'v' then 'view' else 'materialized view' end, r.nspname || '.' || r.relname,
               pg_catalog.concat_ws(' ',
                   pg_catalog.pg_get_viewdef(r.oid),
                   'with (' || pg_catalog.array_to_string(r.reloptions, ', ') || ')',
                   case when r.relkind = 'm' and not r.relispopulated then '(not populated)' end)
        from rels r
        where r.relkind in ('v', 'm')
        union all
        select 'sequence', r.nspname || '.' || r.relname,
               pg_catalog.concat_ws(' ',
                   'as ' || pg_catalog.format_type(s.seqtypid, null),
                   'increment ' || s.seqincrement, 'minvalue ' || s.seqmin, 'maxvalue ' || s.seqmax,
                   'start ' || s.seqstart, 'cache ' || s.seqcache, case when s.seqcycle then 'cycle' else 'no cycle' end,
                   case when r.relpersistence = 'u' then 'unlogged' end,
                   (select 'owned by ' || pg_catalog.format('%I.%I.%I', rn.nspname, rc.relname, a.attname)
                    from pg_catalog.pg_depend d
                    join pg_catalog.pg_class rc on rc.oid = d.refobjid
                    join pg_catalog.pg_namespace rn on rn.oid = rc.relnamespace
                    join pg_catalog.pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
                    where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.objid = r.oid
                      and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.refobjsubid > 0 and d.deptype in ('a', 'i')
                    limit 1))
        from pg_catalog.pg_sequence s
        join rels r on r.oid = s.seqrelid
        union all
        select case p.prokind when 'p' then 'procedure' when 'a' then 'aggregate' else 'function' end,
               n.nspname || '.' || p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
               case when p.prokind = 'a' then
                   (select pg_catalog.concat_ws(' ',
                        'aggregate (' || pg_catalog.pg_get_function_arguments(p.oid) || ')',
                        'returns ' || pg_catalog.format_type(p.prorettype, null),
                        'sfunc ' || ag.aggtransfn::pg_catalog.regprocedure::text,
                        'stype ' || pg_catalog.format_type(ag.aggtranstype, null),
                        case when ag.aggfinalfn::pg_catalog.oid <> 0 then 'finalfunc ' || ag.aggfinalfn::pg_catalog.regprocedure::text end,
                        case when ag.aggcombinefn::pg_catalog.oid <> 0 then 'combinefunc ' || ag.aggcombinefn::pg_catalog.regprocedure::text end,
                        'initcond ' || pg_catalog.quote_literal(ag.agginitval),
                        case ag.aggkind when 'o' then 'ordered-set' when 'h' then 'hypothetical-set' end)
                    from pg_catalog.pg_aggregate ag where ag.aggfnoid = p.oid)
               else pg_catalog.pg_get_functiondef(p.oid) end
        from pg_catalog.pg_proc p
        join user_ns n on n.oid = p.pronamespace
        where not exists (select 1 from pg_catalog.pg_depend d
                          where d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass and d.objid = p.oid and d.deptype = 'e')
        union all
        select 'type', n.nspname || '.' || ty.typname,
               case ty.typtype
                   when 'e' then 'enum (' || coalesce((select pg_catalog.string_agg(pg_catalog.quote_literal(e.enumlabel), ', ' order by e.enumsortorder)
                                                       from pg_catalog.pg_enum e where e.enumtypid = ty.oid), '') || ')'
                   when 'd' then pg_catalog.concat_ws(' ',
                       'domain over ' || pg_catalog.format_type(ty.typbasetype, ty.typtypmod),
                       case when ty.typnotnull then 'not null' end,
                       'default ' || pg_catalog.pg_get_expr(ty.typdefaultbin, 0))
                   when 'r' then (select pg_catalog.concat_ws(' ', 'range of ' || pg_catalog.format_type(rg.rngsubtype, null),
                                         case when rg.rngsubdiff::pg_catalog.oid <> 0 then 'subtype_diff ' || rg.rngsubdiff::pg_catalog.regprocedure::text end)
                                  from pg_catalog.pg_range rg where rg.rngtypid = ty.oid)
                   else 'composite (' || coalesce((select pg_catalog.string_agg(pg_catalog.quote_ident(a.attname) || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod), ', ' order by a.attnum)
                                                   from pg_catalog.pg_attribute a
                                                   where a.attrelid = ty.typrelid and a.attnum > 0 and not a.attisdropped), '') || ')'
               end
        from pg_catalog.pg_type ty
        join user_ns n on n.oid = ty.typnamespace
        where (ty.typtype in ('e', 'd', 'r')
               or (ty.typtype = 'c' and exists (select 1 from pg_catalog.pg_class tc where tc.oid = ty.typrelid and tc.relkind = 'c')))
          and not exists (select 1 from pg_catalog.pg_depend d
                          where d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass and d.objid = ty.oid and d.deptype = 'e')
        union all
        select 'statistics', n.nspname || '.' || st.stxname, pg_catalog.pg_get_statisticsobjdef(st.oid)
        from pg_catalog.pg_statistic_ext st
        join user_ns n on n.oid = st.stxnamespace
        """;
}
