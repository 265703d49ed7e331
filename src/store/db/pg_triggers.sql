-- The triggers of SQLite's schema (src/store/schema.rs and the files it names),
-- written for PostgreSQL: one trigger of the same name for each, doing the same to
-- the same rows, so what they keep (last contact, deal totals, tallies, operator
-- activity, customer value, the stage a deal reached, its last activity) reads the
-- same on both servers.

-- A customer's last contact: the latest of its interactions.
CREATE FUNCTION interactions_contact_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE customers SET last_contact_at = greatest(coalesce(last_contact_at, NEW.occurred_at), NEW.occurred_at)
    WHERE id = NEW.customer_id;
    RETURN NULL;
END $$;
CREATE TRIGGER interactions_contact_insert AFTER INSERT ON interactions
    FOR EACH ROW EXECUTE FUNCTION interactions_contact_insert();

CREATE FUNCTION interactions_contact_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE customers SET last_contact_at = (SELECT max(i.occurred_at) FROM interactions i WHERE i.customer_id = customers.id)
    WHERE id IN (OLD.customer_id, NEW.customer_id);
    RETURN NULL;
END $$;
CREATE TRIGGER interactions_contact_update AFTER UPDATE OF occurred_at, customer_id ON interactions
    FOR EACH ROW EXECUTE FUNCTION interactions_contact_update();

CREATE FUNCTION interactions_contact_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE customers SET last_contact_at = (SELECT max(i.occurred_at) FROM interactions i WHERE i.customer_id = OLD.customer_id)
    WHERE id = OLD.customer_id;
    RETURN NULL;
END $$;
CREATE TRIGGER interactions_contact_delete AFTER DELETE ON interactions
    FOR EACH ROW EXECUTE FUNCTION interactions_contact_delete();

-- A deal's amount is at most 10^15 minor units (what every total is sized for).
CREATE FUNCTION deals_amount_cap() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.amount_minor > 1000000000000000 THEN
        RAISE EXCEPTION 'a deal amount is a whole number of minor units up to 10^15 (10,000,000,000,000.00 for a currency with cents)'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER deals_amount_cap_insert BEFORE INSERT ON deals
    FOR EACH ROW EXECUTE FUNCTION deals_amount_cap();
CREATE TRIGGER deals_amount_cap_update BEFORE UPDATE OF amount_minor ON deals
    FOR EACH ROW WHEN (NEW.amount_minor IS DISTINCT FROM OLD.amount_minor)
    EXECUTE FUNCTION deals_amount_cap();

-- Deal totals per stage, close day, expected-close month, currency and owner.
CREATE FUNCTION deal_totals_add(d deals) RETURNS void LANGUAGE sql AS $$
    INSERT INTO deal_totals VALUES (
        d.stage_id, coalesce(d.closed_on, ''),
        CASE WHEN d.closed_on IS NULL THEN coalesce(substr(d.expected_close, 1, 7), '') ELSE '' END,
        d.currency, coalesce(d.owner_id, 0), 1,
        d.amount_minor / 1000000000, d.amount_minor % 1000000000,
        ((d.amount_minor / 100) * d.probability + (d.amount_minor % 100) * d.probability / 100) / 1000000000,
        ((d.amount_minor / 100) * d.probability + (d.amount_minor % 100) * d.probability / 100) % 1000000000,
        coalesce(trunc(julianday(d.closed_on) - julianday(date(d.created_at, 'unixepoch')))::bigint, 0))
    ON CONFLICT (stage_id, closed_on, expected_month, currency, owner_id) DO UPDATE SET
        deals = deal_totals.deals + 1,
        amount_hi = deal_totals.amount_hi + excluded.amount_hi,
        amount_lo = deal_totals.amount_lo + excluded.amount_lo,
        weighted_hi = deal_totals.weighted_hi + excluded.weighted_hi,
        weighted_lo = deal_totals.weighted_lo + excluded.weighted_lo,
        cycle_days = deal_totals.cycle_days + excluded.cycle_days;
$$;

CREATE FUNCTION deal_totals_take(d deals) RETURNS void LANGUAGE sql AS $$
    UPDATE deal_totals SET
        deals = deals - 1,
        amount_hi = amount_hi - d.amount_minor / 1000000000,
        amount_lo = amount_lo - d.amount_minor % 1000000000,
        weighted_hi = weighted_hi - ((d.amount_minor / 100) * d.probability + (d.amount_minor % 100) * d.probability / 100) / 1000000000,
        weighted_lo = weighted_lo - ((d.amount_minor / 100) * d.probability + (d.amount_minor % 100) * d.probability / 100) % 1000000000,
        cycle_days = cycle_days - coalesce(trunc(julianday(d.closed_on) - julianday(date(d.created_at, 'unixepoch')))::bigint, 0)
    WHERE stage_id = d.stage_id AND closed_on = coalesce(d.closed_on, '')
      AND expected_month = CASE WHEN d.closed_on IS NULL THEN coalesce(substr(d.expected_close, 1, 7), '') ELSE '' END
      AND currency = d.currency AND owner_id = coalesce(d.owner_id, 0);
    DELETE FROM deal_totals
    WHERE deals = 0 AND stage_id = d.stage_id AND closed_on = coalesce(d.closed_on, '')
      AND expected_month = CASE WHEN d.closed_on IS NULL THEN coalesce(substr(d.expected_close, 1, 7), '') ELSE '' END
      AND currency = d.currency AND owner_id = coalesce(d.owner_id, 0);
$$;

CREATE FUNCTION deal_totals_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM deal_totals_add(NEW);
    RETURN NULL;
END $$;
CREATE TRIGGER deal_totals_insert AFTER INSERT ON deals
    FOR EACH ROW EXECUTE FUNCTION deal_totals_insert();

CREATE FUNCTION deal_totals_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM deal_totals_take(OLD);
    RETURN NULL;
END $$;
CREATE TRIGGER deal_totals_delete AFTER DELETE ON deals
    FOR EACH ROW EXECUTE FUNCTION deal_totals_delete();

CREATE FUNCTION deal_totals_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM deal_totals_take(OLD);
    PERFORM deal_totals_add(NEW);
    RETURN NULL;
END $$;
CREATE TRIGGER deal_totals_update
    AFTER UPDATE OF stage_id, closed_on, expected_close, currency, owner_id, amount_minor, probability, created_at ON deals
    FOR EACH ROW EXECUTE FUNCTION deal_totals_update();

-- Counts the app shows in titles.
CREATE FUNCTION tallies_customer_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tallies SET n = n + 1 WHERE name = 'customers';
    RETURN NULL;
END $$;
CREATE TRIGGER tallies_customer_insert AFTER INSERT ON customers
    FOR EACH ROW EXECUTE FUNCTION tallies_customer_insert();

CREATE FUNCTION tallies_customer_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tallies SET n = n - 1 WHERE name = 'customers';
    RETURN NULL;
END $$;
CREATE TRIGGER tallies_customer_delete AFTER DELETE ON customers
    FOR EACH ROW EXECUTE FUNCTION tallies_customer_delete();

CREATE FUNCTION tallies_reminder_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tallies SET n = n + 1 WHERE name = 'open_reminders';
    RETURN NULL;
END $$;
CREATE TRIGGER tallies_reminder_insert AFTER INSERT ON reminders
    FOR EACH ROW WHEN (NEW.done_at IS NULL) EXECUTE FUNCTION tallies_reminder_insert();

CREATE FUNCTION tallies_reminder_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tallies SET n = n - 1 WHERE name = 'open_reminders';
    RETURN NULL;
END $$;
CREATE TRIGGER tallies_reminder_delete AFTER DELETE ON reminders
    FOR EACH ROW WHEN (OLD.done_at IS NULL) EXECUTE FUNCTION tallies_reminder_delete();

CREATE FUNCTION tallies_reminder_done() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tallies SET n = n + CASE WHEN NEW.done_at IS NULL THEN 1 ELSE -1 END
    WHERE name = 'open_reminders';
    RETURN NULL;
END $$;
CREATE TRIGGER tallies_reminder_done AFTER UPDATE OF done_at ON reminders
    FOR EACH ROW WHEN ((OLD.done_at IS NULL) <> (NEW.done_at IS NULL))
    EXECUTE FUNCTION tallies_reminder_done();

-- Each operator's interactions per quarter hour, by kind, with satisfaction.
CREATE FUNCTION operator_activity_add(i interactions) RETURNS void LANGUAGE sql AS $$
    INSERT INTO operator_activity
    SELECT i.operator_id, i.occurred_at / 900,
        (i.kind = 'call')::int, (i.kind = 'email')::int, (i.kind = 'meeting')::int,
        (i.kind = 'note')::int, (i.kind = 'sms')::int,
        coalesce(i.satisfaction, 0), (i.satisfaction IS NOT NULL)::int
    WHERE i.operator_id IS NOT NULL
    ON CONFLICT (operator_id, slot) DO UPDATE SET
        calls = operator_activity.calls + excluded.calls,
        emails = operator_activity.emails + excluded.emails,
        meetings = operator_activity.meetings + excluded.meetings,
        notes = operator_activity.notes + excluded.notes,
        sms = operator_activity.sms + excluded.sms,
        satisfaction_total = operator_activity.satisfaction_total + excluded.satisfaction_total,
        satisfaction_count = operator_activity.satisfaction_count + excluded.satisfaction_count;
$$;

CREATE FUNCTION operator_activity_take(i interactions) RETURNS void LANGUAGE sql AS $$
    UPDATE operator_activity SET
        calls = calls - (i.kind = 'call')::int, emails = emails - (i.kind = 'email')::int,
        meetings = meetings - (i.kind = 'meeting')::int, notes = notes - (i.kind = 'note')::int,
        sms = sms - (i.kind = 'sms')::int,
        satisfaction_total = satisfaction_total - coalesce(i.satisfaction, 0),
        satisfaction_count = satisfaction_count - (i.satisfaction IS NOT NULL)::int
    WHERE i.operator_id IS NOT NULL AND operator_id = i.operator_id AND slot = i.occurred_at / 900;
    DELETE FROM operator_activity
    WHERE operator_id = i.operator_id AND slot = i.occurred_at / 900
      AND calls + emails + meetings + notes + sms <= 0;
$$;

CREATE FUNCTION interactions_activity_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM operator_activity_add(NEW);
    RETURN NULL;
END $$;
CREATE TRIGGER interactions_activity_insert AFTER INSERT ON interactions
    FOR EACH ROW WHEN (NEW.operator_id IS NOT NULL)
    EXECUTE FUNCTION interactions_activity_insert();

CREATE FUNCTION interactions_activity_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM operator_activity_take(OLD);
    RETURN NULL;
END $$;
CREATE TRIGGER interactions_activity_delete AFTER DELETE ON interactions
    FOR EACH ROW WHEN (OLD.operator_id IS NOT NULL)
    EXECUTE FUNCTION interactions_activity_delete();

CREATE FUNCTION interactions_activity_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM operator_activity_take(OLD);
    PERFORM operator_activity_add(NEW);
    RETURN NULL;
END $$;
CREATE TRIGGER interactions_activity_update
    AFTER UPDATE OF occurred_at, operator_id, kind, satisfaction ON interactions
    FOR EACH ROW EXECUTE FUNCTION interactions_activity_update();

-- Customer value: each customer's won deals summed, in the default currency
-- (converted at the latest rate on or before the day the deal was won; NULL, not
-- counted, when there is none).
CREATE FUNCTION won_day(d deals) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(d.closed_on, date(d.updated_at, 'unixepoch'))
$$;

CREATE FUNCTION won_amount(d deals) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN d.currency = coalesce((SELECT value FROM settings WHERE key = 'default_currency'), 'USD')
        THEN d.amount_minor
        -- Multiplied as SQLite does (in floating point), rounded half away from zero.
        ELSE round((d.amount_minor * (
            SELECT x.per_minor FROM exchange_rates x
            WHERE x.currency = d.currency AND x.from_day <= won_day(d)
            ORDER BY x.from_day DESC LIMIT 1))::numeric)::bigint
    END
$$;

CREATE FUNCTION stage_is_won(stage bigint) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT outcome = 'won' FROM stages WHERE id = stage), false)
$$;

CREATE FUNCTION customer_value_add(d deals) RETURNS void LANGUAGE sql AS $$
    INSERT INTO customer_value (customer_id, won_deals, counted_deals, revenue_high, revenue_low,
                                revenue, first_won_on, last_won_on)
    SELECT d.customer_id, 1, (amount IS NOT NULL)::int, coalesce(amount / 1000000000, 0),
           coalesce(amount % 1000000000, 0), coalesce(amount, 0), day, day
    FROM (SELECT won_amount(d) AS amount, won_day(d) AS day) AS won
    ON CONFLICT (customer_id) DO UPDATE SET
        won_deals = customer_value.won_deals + 1,
        counted_deals = customer_value.counted_deals + excluded.counted_deals,
        revenue_high = customer_value.revenue_high + excluded.revenue_high,
        revenue_low = customer_value.revenue_low + excluded.revenue_low,
        revenue = customer_value.revenue + excluded.revenue,
        first_won_on = least(customer_value.first_won_on, excluded.first_won_on),
        last_won_on = greatest(customer_value.last_won_on, excluded.last_won_on);
$$;

CREATE FUNCTION customer_value_recount(customer bigint) RETURNS void LANGUAGE sql AS $$
    DELETE FROM customer_value WHERE customer_id = customer;
    INSERT INTO customer_value (customer_id, won_deals, counted_deals, revenue_high, revenue_low,
                                revenue, first_won_on, last_won_on)
    SELECT customer_id, count(*), count(amount), coalesce(sum(amount / 1000000000), 0),
           coalesce(sum(amount % 1000000000), 0), coalesce(sum(amount), 0), min(day), max(day)
    FROM (SELECT d.customer_id, won_amount(d) AS amount, won_day(d) AS day
          FROM deals d JOIN stages s ON s.id = d.stage_id
          WHERE s.outcome = 'won' AND d.customer_id = customer
            AND EXISTS (SELECT 1 FROM customers c WHERE c.id = d.customer_id)) AS won
    GROUP BY customer_id;
$$;

CREATE FUNCTION deals_value_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF stage_is_won(NEW.stage_id) THEN
        PERFORM customer_value_add(NEW);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER deals_value_insert AFTER INSERT ON deals
    FOR EACH ROW EXECUTE FUNCTION deals_value_insert();

CREATE FUNCTION deals_value_won() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT stage_is_won(OLD.stage_id) AND stage_is_won(NEW.stage_id) THEN
        PERFORM customer_value_add(NEW);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER deals_value_won
    AFTER UPDATE OF stage_id, amount_minor, currency, closed_on, customer_id, updated_at ON deals
    FOR EACH ROW EXECUTE FUNCTION deals_value_won();

CREATE FUNCTION deals_value_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF stage_is_won(OLD.stage_id) THEN
        PERFORM customer_value_recount(OLD.customer_id);
        PERFORM customer_value_recount(NEW.customer_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER deals_value_changed
    AFTER UPDATE OF stage_id, amount_minor, currency, closed_on, customer_id, updated_at ON deals
    FOR EACH ROW EXECUTE FUNCTION deals_value_changed();

CREATE FUNCTION deals_value_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF stage_is_won(OLD.stage_id) THEN
        PERFORM customer_value_recount(OLD.customer_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER deals_value_delete AFTER DELETE ON deals
    FOR EACH ROW EXECUTE FUNCTION deals_value_delete();

CREATE FUNCTION customers_value_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM customer_value WHERE customer_id = OLD.id;
    RETURN NULL;
END $$;
CREATE TRIGGER customers_value_delete AFTER DELETE ON customers
    FOR EACH ROW EXECUTE FUNCTION customers_value_delete();

-- The furthest open stage a deal has been in (the funnel).
CREATE FUNCTION deals_reached_stage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE deals SET reached_stage_id = coalesce((
        SELECT s.id FROM stages s
        WHERE s.outcome = 'open' AND s.id IN (OLD.reached_stage_id, OLD.stage_id, NEW.stage_id)
        ORDER BY s.position DESC LIMIT 1), OLD.reached_stage_id)
    WHERE id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER deals_reached_stage AFTER UPDATE OF stage_id ON deals
    FOR EACH ROW WHEN (OLD.stage_id IS DISTINCT FROM NEW.stage_id)
    EXECUTE FUNCTION deals_reached_stage();

-- A deal's last activity: its latest interaction.
CREATE FUNCTION deals_activity_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE deals SET last_activity_at = greatest(coalesce(last_activity_at, NEW.occurred_at), NEW.occurred_at)
    WHERE id = NEW.deal_id;
    RETURN NULL;
END $$;
CREATE TRIGGER deals_activity_insert AFTER INSERT ON interactions
    FOR EACH ROW WHEN (NEW.deal_id IS NOT NULL) EXECUTE FUNCTION deals_activity_insert();

CREATE FUNCTION deals_activity_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE deals SET last_activity_at = (SELECT max(i.occurred_at) FROM interactions i WHERE i.deal_id = deals.id)
    WHERE id IN (OLD.deal_id, NEW.deal_id);
    RETURN NULL;
END $$;
CREATE TRIGGER deals_activity_update AFTER UPDATE OF deal_id, occurred_at ON interactions
    FOR EACH ROW WHEN (OLD.deal_id IS NOT NULL OR NEW.deal_id IS NOT NULL)
    EXECUTE FUNCTION deals_activity_update();

CREATE FUNCTION deals_activity_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE deals SET last_activity_at = (SELECT max(i.occurred_at) FROM interactions i WHERE i.deal_id = deals.id)
    WHERE id = OLD.deal_id;
    RETURN NULL;
END $$;
CREATE TRIGGER deals_activity_delete AFTER DELETE ON interactions
    FOR EACH ROW WHEN (OLD.deal_id IS NOT NULL) EXECUTE FUNCTION deals_activity_delete();
