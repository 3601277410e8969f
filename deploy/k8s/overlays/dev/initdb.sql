-- One database per service (services/common/registry.py: zhifa_<service>). Runs once, when the
-- PostgreSQL data directory is first initialised (/docker-entrypoint-initdb.d). Used by the dev overlay
-- and by deploy/compose.yaml.
CREATE DATABASE zhifa_inspection;
CREATE DATABASE zhifa_penalty;
CREATE DATABASE zhifa_credit_repair;
CREATE DATABASE zhifa_risk;
CREATE DATABASE zhifa_notify;
