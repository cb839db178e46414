-- DgLedger: the grants of one least-privilege agent role in the ledger's database, for one environment it serves.
--
-- Run it as a superuser (or the ledger database's owner, if it may create a schema for the role) on the LEDGER's
-- database, once per environment the agent serves (it is idempotent), after the ledger has started once with the
-- environment in Ledger:AgentEnvironments (the ledger creates the queue tables; an agent role may not):
--
--   psql "postgresql://admin@ledger-db/dgledger" -v ON_ERROR_STOP=1 \
--        -v role=dgledger_agent_prod -v environment=prod -v message_schema=agent_prod_1 \
--        -f deploy/sql/agent-role.sql
--
--   role            an existing LOGIN role (CREATE ROLE dgledger_agent_prod LOGIN PASSWORD '...'), the agent's
--                   ConnectionStrings:Ledger user
--   environment     an environment the agent serves (Agent:Databases:N:Environment)
--   message_schema  the agent's Agent:MessageSchema (default agent_<Agent:Id>, '-' and '.' as '_'): its own inbox,
--                   outbox and node tables, created here for the role and owned by it; never shared with another agent
--
-- The role gets exactly: CONNECT and TEMPORARY on the database (the queue listener stages rows in temporary tables);
-- USAGE on schema dgledger_queues; SELECT, INSERT, UPDATE, DELETE on its environment's queue table and scheduled table
-- (receive, re-queue, expire); INSERT only on the ledger's queue and its scheduled table (send reports); and its own
-- schema. Nothing on the
-- ledger's Marten schema (ledger: the event store and read models) or its message storage (ledger_messages), nothing on
-- another environment's queue. Start the agent with Agent:AutoProvision=false.

\if :{?role}
\else
  DO $$ BEGIN RAISE EXCEPTION 'agent-role.sql needs -v role=<agent role> -v environment=<environment> -v message_schema=<schema>'; END $$;
\endif
\if :{?environment}
\else
  DO $$ BEGIN RAISE EXCEPTION 'agent-role.sql needs -v environment=<environment the agent serves>'; END $$;
\endif
\if :{?message_schema}
\else
  DO $$ BEGIN RAISE EXCEPTION 'agent-role.sql needs -v message_schema=<the agent''s Agent:MessageSchema>'; END $$;
\endif

SELECT set_config('dgledger.role', :'role', false),
       set_config('dgledger.environment', :'environment', false),
       set_config('dgledger.message_schema', :'message_schema', false) \gset dgledger_

DO $$
DECLARE
    agent  text := current_setting('dgledger.role');
    env    text := current_setting('dgledger.environment');
    own    text := current_setting('dgledger.message_schema');
    queue  text := 'wolverine_queue_agent_' || replace(env, '-', '_');
BEGIN
    IF env !~ '^[a-z][a-z0-9-]{0,31}$' THEN
        RAISE EXCEPTION 'environment "%" must be lower-case letters, digits and dashes, starting with a letter', env;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = agent) THEN
        RAISE EXCEPTION 'role "%" does not exist: CREATE ROLE % LOGIN PASSWORD ''...'' first', agent, quote_ident(agent);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = agent AND (rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls)) THEN
        RAISE EXCEPTION 'role "%" is a superuser or may create roles or databases or bypass row security: an agent role must not', agent;
    END IF;
    IF pg_catalog.to_regclass(format('dgledger_queues.%I', queue)) IS NULL
       OR pg_catalog.to_regclass(format('dgledger_queues.%I', queue || '_scheduled')) IS NULL THEN
        RAISE EXCEPTION 'the queue tables of environment "%" (dgledger_queues.%) do not exist yet: add "%" to the ledger''s Ledger:AgentEnvironments and start the ledger once', env, queue, env;
    END IF;
    IF pg_catalog.to_regclass('dgledger_queues.wolverine_queue_ledger') IS NULL
       OR pg_catalog.to_regclass('dgledger_queues.wolverine_queue_ledger_scheduled') IS NULL THEN
        RAISE EXCEPTION 'dgledger_queues.wolverine_queue_ledger does not exist: start the ledger once on this database first';
    END IF;

    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), agent);
    EXECUTE format('GRANT USAGE ON SCHEMA dgledger_queues TO %I', agent);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON dgledger_queues.%I, dgledger_queues.%I TO %I', queue, queue || '_scheduled', agent);
    -- The scheduled table only so that Wolverine's schema check sees it: a table the role holds no privilege on is
    -- invisible to the check, which would then try to create it.
    EXECUTE format('GRANT INSERT ON dgledger_queues.wolverine_queue_ledger, dgledger_queues.wolverine_queue_ledger_scheduled TO %I', agent);

    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = own) THEN
        EXECUTE format('CREATE SCHEMA %I AUTHORIZATION %I', own, agent);
    ELSIF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid = n.nspowner
                      WHERE n.nspname = own AND r.rolname = agent) THEN
        RAISE EXCEPTION 'schema "%" exists and belongs to another role: each agent keeps its own message schema (Agent:MessageSchema)', own;
    END IF;

    RAISE NOTICE 'role "%" may now receive environment "%"''s commands, send reports, and keep its messages in schema "%"', agent, env, own;
END $$;
