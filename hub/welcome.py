"""What ``xueji serve --demo`` prints: the address and a token for each role."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from db.engine import make_engine, make_sessionmaker
from db.models import School, SchoolClass
from hub.auth import mint_token
from hub.demo import DEMO_APPROVAL, DISTRICT, SCHOOLS
from hub.settings import Settings
from rules.access import Principal, Role


async def first_class_id(settings: Settings) -> int:
    """The demo's first class (grade 1, class 1 of the first school)."""
    engine = make_engine(settings.database_url, field_key=settings.field_key_bytes())
    try:
        async with make_sessionmaker(engine)() as session:
            found = await session.scalar(
                select(SchoolClass.id)
                .join(School, School.id == SchoolClass.school_id)
                .where(School.code == SCHOOLS[0].code, SchoolClass.name == "1-1")
            )
    finally:
        await engine.dispose()
    if found is None:
        raise LookupError("the demo district is not loaded")
    return found


def welcome_tokens(settings: Settings, class_id: int) -> dict[str, str]:
    """A token for each role, bound to the demo's first school and class."""
    first = SCHOOLS[0].code
    ttl = timedelta(hours=settings.token_ttl_hours)
    principals = [
        Principal("demo-registrar", Role.REGISTRAR, school=first),
        Principal(
            "demo-head-teacher", Role.HEAD_TEACHER, school=first, class_id=class_id
        ),
        Principal("demo-school-leader", Role.SCHOOL_LEADER, school=first),
        Principal("demo-district-officer", Role.DISTRICT_OFFICER, district=DISTRICT[0]),
        Principal("demo-city-officer", Role.CITY_OFFICER, district=DISTRICT[0]),
        Principal("demo-sync", Role.SYNC, district=DISTRICT[0]),
        Principal("demo-auditor", Role.AUDITOR),
        Principal("demo-court", Role.EXTERNAL, approval=DEMO_APPROVAL),
    ]
    return {
        p.role.value: mint_token(p, settings.token_key, ttl=ttl) for p in principals
    }


def print_welcome(settings: Settings, host: str, port: int, class_id: int) -> None:
    first = SCHOOLS[0]
    print(f"\n学籍数据中枢演示区（千山区）: GraphiQL http://{host}:{port}/graphql")
    print("在 GraphiQL 的请求头中填入  Authorization: Bearer <令牌>")
    print(
        f"学校角色属于 {first.name}（{first.code}）；"
        f"班主任管 1-1 班（classId {class_id}）；"
        f"external 令牌凭批准文号 {DEMO_APPROVAL} 查阅三名学生。\n"
    )
    for role, token in welcome_tokens(settings, class_id).items():
        print(f"{role:17} {token}")
    print(
        f'\n试一试: {{ students(schoolCode: "{first.code}", grade: 3, first: 5) '
        "{ totalCount edges { node { name studentNumber class { name } "
        "guardians { name } } } } }\n",
        flush=True,
    )
