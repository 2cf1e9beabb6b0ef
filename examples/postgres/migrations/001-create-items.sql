-- The inventory's items, with one to show on a fresh database.
create table items (
  id serial primary key,
  name text not null,
  created_at timestamptz not null default now()
);
insert into items (name) values ('anchor');
