-- Non-ASCII visitor and experience ids hash as UTF-8 bytes, as the SDK's
-- TextEncoder does, and give the same answer in a LATIN1 database.
\pset null '(null)'
SELECT convert.murmurhash3('Müller') AS utf8_hash;
SELECT visitor, experience, convert.bucket_value(visitor, experience) AS value
FROM (VALUES ('visitor-äöü-1', '100349071'), ('Müller', '1003'),
             ('日本語ユーザー', '100218246'), ('👩‍💻-42', '100218247'),
             ('Ωmega', '42'), ('visitor-äöü-1', '')) AS t(visitor, experience);

-- No Unicode normalisation: NFC and NFD "é" are different visitors
SELECT convert.murmurhash3(U&'\00E9') AS nfc, convert.murmurhash3(U&'e\0301') AS nfd;

-- Non-ASCII variation ids come back intact
SELECT convert.select_variation('[{"id":"ünïcödé","traffic_allocation":100}]', 'é', 'ü') AS id;

-- A LATIN1 database converts to UTF-8 before hashing (2063, not 3506)
CREATE DATABASE convert_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c convert_latin1
CREATE EXTENSION convert;
SELECT convert.bucket_value('visitor-äöü-1') AS latin1_value,
       convert.murmurhash3('Müller') AS latin1_hash,
       convert.select_variation('[{"id":"ä","traffic_allocation":100}]', '1', 'ö') AS latin1_id;
\c regression
DROP DATABASE convert_latin1;
