-- Additive: the previous server.js never names the column, so it keeps working beside it.
alter table items add column price_cents integer not null default 0;
update items set price_cents = 4200 where name = 'anchor';
