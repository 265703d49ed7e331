-- SQLite's built-in functions that the store's SQL, shared by both servers, uses.

-- The position of the first `needle` in `haystack` (1-based), 0 when none.
CREATE FUNCTION instr(haystack text, needle text) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT strpos(haystack, needle) $$;

-- Days since noon UTC of 24 November 4714 BC, as SQLite counts them, of a day
-- ('YYYY-MM-DD') or a time ('YYYY-MM-DD HH:MM:SS', UTC).
CREATE FUNCTION julianday(day text) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT extract(epoch FROM (day::timestamp AT TIME ZONE 'UTC'))::double precision / 86400.0 + 2440587.5 $$;

-- date(seconds, 'unixepoch'): the UTC day of a Unix time, as 'YYYY-MM-DD'.
CREATE FUNCTION date(seconds bigint, modifier text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT CASE WHEN modifier = 'unixepoch'
                  THEN to_char(to_timestamp(seconds) AT TIME ZONE 'UTC', 'YYYY-MM-DD') END $$;

-- date(day, modifier, ...): a 'YYYY-MM-DD' day moved by SQLite's modifiers the store
-- uses: 'start of month', '+N months' and '+N days' (either sign). A month added to
-- the 31st runs over into the next month, as in SQLite (2026-01-31 +1 month is
-- 2026-03-03).
CREATE FUNCTION date(day text, VARIADIC modifiers text[]) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
DECLARE
    d date := left(day, 10)::date;
    modifier text;
    months integer;
BEGIN
    FOREACH modifier IN ARRAY modifiers LOOP
        IF modifier = 'start of month' THEN
            d := date_trunc('month', d)::date;
        ELSIF modifier ~ '^[+-]?[0-9]+ months?$' THEN
            months := extract(year FROM d)::integer * 12 + extract(month FROM d)::integer - 1
                      + split_part(modifier, ' ', 1)::integer;
            d := make_date(months / 12, months % 12 + 1, 1) + (extract(day FROM d)::integer - 1);
        ELSIF modifier ~ '^[+-]?[0-9]+ days?$' THEN
            d := d + split_part(modifier, ' ', 1)::integer;
        ELSE
            RAISE EXCEPTION 'date(): the modifier % is not one Rapport uses', modifier;
        END IF;
    END LOOP;
    RETURN to_char(d, 'YYYY-MM-DD');
END $$;

-- strftime(format, day) for the formats the store uses: %Y, %m and %d of a day.
CREATE FUNCTION strftime(format text, day text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT to_char(left(day, 10)::date,
                         replace(replace(replace(format, '%Y', 'YYYY'), '%m', 'MM'), '%d', 'DD')) $$;

-- SQLite's two-argument min and max: NULL when either is (STRICT), unlike least and
-- greatest, which pass over NULLs.
CREATE FUNCTION max(a bigint, b bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT greatest(a, b) $$;
CREATE FUNCTION min(a bigint, b bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT least(a, b) $$;
CREATE FUNCTION max(a text, b text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT greatest(a, b) $$;
CREATE FUNCTION min(a text, b text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT least(a, b) $$;
CREATE FUNCTION max(a double precision, b double precision) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT greatest(a, b) $$;
CREATE FUNCTION min(a double precision, b double precision) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT least(a, b) $$;

-- json_each over a JSON list of whole numbers (ids, score codes), as the store uses
-- SQLite's: each element's place (`key`, from 0) and number (`value`).
CREATE FUNCTION json_each(list text) RETURNS TABLE (key bigint, value bigint)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT (e.place - 1)::bigint, e.item::bigint
          FROM json_array_elements_text(list::json) WITH ORDINALITY AS e(item, place) $$;

-- total(): a floating-point sum that never overflows, 0.0 over no rows; NULLs are
-- passed over (the step is STRICT).
CREATE FUNCTION total_step(sum double precision, x double precision) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT sum + x $$;
CREATE AGGREGATE total(double precision) (SFUNC = total_step, STYPE = double precision, INITCOND = '0');
