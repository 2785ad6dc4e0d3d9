"""The service navigation, by role: each link appears only to those who may use it. It links to the
pages of every package, so it is composed here, above them; the app gives it to the templates."""

from litestar import Request

from registry.accounts.tables import Role


def navigation_for(request: Request) -> list[dict]:
    user = request.scope.get("user")
    path = request.url.path
    items = [("Frameworks", "/frameworks"), ("Find suppliers", "/suppliers")]
    if user is None:
        items += [("Sign in", "/sign-in"), ("Register your organisation", "/register")]
    else:
        items.insert(0, ("Home", "/home"))
        if user.has_role(Role.PROCUREMENT_OFFICER):
            items.append(("Manage frameworks", "/manage/frameworks"))
        if user.has_role(Role.COMMISSIONER):
            items.append(("Commissioning", "/commissioning"))
        if user.has_role(Role.PROCUREMENT_OFFICER, Role.COMMISSIONER):
            items.append(("Reports", "/reports"))
        if user.has_role(Role.EVALUATOR):
            items.append(("Your evaluations", "/evaluation"))
        if user.has_role(Role.SUPPLIER):
            items += [("Your profile", "/organisation/profile"), ("Followed frameworks", "/organisation/frameworks"), ("Your organisation", "/organisation/users")]
            items.append(("Your engagements", "/organisation/engagements"))
        items.append(("Your account", "/account"))
        if user.has_role(Role.ADMIN):
            items += [("Users", "/admin/users"), ("Audit log", "/admin/audit"), ("Outbox", "/admin/outbox")]
        items.append(("Sign out", "/sign-out"))
    return [{"text": text, "href": href, "active": path == href or path.startswith(href + "/")} for text, href in items]
