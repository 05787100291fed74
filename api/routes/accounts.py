"""Login sessions, the current user, and user administration (admin)."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status
from sqlalchemy.orm import selectinload

from api.deps import (SESSION_COOKIE, Admin, Clerk, IdPath, ReadSession, RuntimeDep, client_address, credentials,
                      secret_of, set_session_cookie)
from api.schemas.records import LoginRequest, Me, NewApiKey, UserCreate, UserPublic, UserUpdate
from fapiao.services import accounts, auth
from fapiao.services.errors import NotFound
from store.models import User
from store.repos import accounts as account_repo

auth_router = APIRouter(prefix="/auth", tags=["auth"])
users_router = APIRouter(prefix="/users", tags=["users"])


_LOGIN_ERRORS = {
    401: {"description": "Wrong name or password"},
    429: {"description": "Too many failed logins for this name or address; `Retry-After` says when to try again"},
}


@auth_router.post("/login", response_model=Me, responses=_LOGIN_ERRORS,  # type: ignore[arg-type]
                  summary="Log in with name and password; sets a session cookie (429 after repeated failures)")
def login(body: LoginRequest, request: Request, response: Response, runtime: RuntimeDep) -> Me:
    found = credentials(request)
    if not auth.same_origin(found.origin, found.host):
        raise HTTPException(403, auth.CrossSiteRequest().message)
    try:
        logged = auth.log_in(runtime, name=body.name, password=body.password, address=client_address(request))
    except auth.LoginThrottled as exc:
        raise HTTPException(429, exc.message, headers={"Retry-After": str(exc.retry_after)}) from None
    set_session_cookie(response, request, logged.token, logged.max_age)
    return Me(id=logged.actor.user_id, name=logged.actor.name, role=logged.actor.role)  # type: ignore[arg-type]


@auth_router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="End the login session")
def logout(request: Request, runtime: RuntimeDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with runtime.write() as session:
            auth.log_out(session=session, token=token, secret=secret_of(runtime))
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@auth_router.get("/me", response_model=Me)
def me(actor: Clerk) -> Me:
    return Me(id=actor.user_id, name=actor.name, role=actor.role)  # type: ignore[arg-type]


@users_router.get("", response_model=list[UserPublic])
def list_users(session: ReadSession, actor: Admin) -> list[UserPublic]:
    return [UserPublic.model_validate(u) for u in account_repo.users(session=session)]


@users_router.post("", status_code=status.HTTP_201_CREATED, response_model=NewApiKey,
                   summary="Create a user; the answer holds their first API key (shown once)")
def create_user(body: UserCreate, runtime: RuntimeDep, actor: Admin) -> NewApiKey:
    with runtime.write() as session:
        user, key = accounts.create_user(session=session, name=body.name, role=body.role, password=body.password,
                                         actor=actor)
        return NewApiKey(user_id=user.id, api_key=key.key, prefix=key.prefix)


def _user(session, user_id: int) -> User:
    from sqlalchemy import select

    user = session.scalars(select(User).where(User.id == user_id).options(selectinload(User.api_keys))).first()
    if user is None:
        raise NotFound(f"用户 #{user_id} 不存在 / user #{user_id} not found")
    return user


@users_router.patch("/{user_id}", response_model=UserPublic,
                    responses={409: {"description": "The change would leave no active admin"}},
                    summary="Change role, (de)activate, set password; ends the user's sessions; 409 for the last admin")
def update_user(user_id: IdPath, body: UserUpdate, runtime: RuntimeDep, actor: Admin) -> UserPublic:
    with runtime.write() as session:
        accounts.update_user(session=session, user_id=user_id, actor=actor, role=body.role,
                             is_active=body.is_active, password=body.password)
        return UserPublic.model_validate(_user(session, user_id))


@users_router.post("/{user_id}/api-keys", status_code=status.HTTP_201_CREATED, response_model=NewApiKey)
def new_key(user_id: IdPath, runtime: RuntimeDep, actor: Admin) -> NewApiKey:
    with runtime.write() as session:
        user = _user(session, user_id)
        key = accounts.issue_key(session=session, user=user, actor=actor)
        return NewApiKey(user_id=user.id, api_key=key.key, prefix=key.prefix)


@users_router.delete("/{user_id}/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_key(user_id: IdPath, key_id: IdPath, runtime: RuntimeDep, actor: Admin) -> Response:
    with runtime.write() as session:
        accounts.revoke_key(session=session, user_id=user_id, key_id=key_id, actor=actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
